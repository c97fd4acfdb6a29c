"""Evaluating the bot on question-answer pairs: every question asked through `Bot.ask`, as users ask them.

Each question becomes a `Row` (what the bot said, its scores, its latency), and the rows add up to `Metrics`. A
question the bot refuses (empty, over the length limit) or fails on is scored like a decline, with the reason in
`Row.error`: one odd question never stops a run.

Conventions (see `qa.evaluation.metrics`): exact match, F1 and containment score the top answer against the best
accepted answer, and a question without accepted answers scores 1 for a decline and 0 for an answer. Retrieval figures
(recall@1/@5/@k, MRR) are over the answerable questions, from the ranked passages the bot retrieved: a passage
"has the answer" when it contains an accepted answer. Rates are fractions from 0 to 1; a figure that would be 0/0
is None.

A question whose file marks answers as wrong (`QAPair.wrong`: what users disliked) is also checked for giving one of
them again (`Row.wrong_again`); one whose right answer is not known (only wrong answers) is checked for nothing else,
and its row stays out of every other figure: not repeating a wrong answer does not make an answer right.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from tqdm import tqdm

from qa import config
from qa.ask.bot import Bot
from qa.ask.result import Result
from qa.errors import QAFileError, QuestionError
from qa.evaluation.closed_book import ClosedBook
from qa.evaluation.files import QAPair, QASet, load_qa_file
from qa.evaluation.metrics import (
    answer_rank,
    contains_answer,
    exact_match,
    expected_calibration_error,
    f1_score,
    mean_reciprocal_rank,
    no_answer_precision_recall,
    percentile,
    recall_at,
    repeats_wrong,
)
from qa.evaluation.open_book import open_book_folders
from qa.evaluation.squad import HELD_OUT_TITLES

logger = logging.getLogger(__name__)

# Asked once, untimed and unscored, before the questions of the file.
WARM_UP_QUESTION = "What happened?"


@dataclass(frozen=True)
class Row:
    """One question's outcome.

    :param prediction: the top answer's text, `""` when the bot declined (or refused the question).
    :param source: the title of the article the top answer cites, if any.
    :param retrieval_rank: the rank of the first retrieved passage holding an accepted answer (None: none did, or
        the question has no answer).
    :param error: why the bot did not take the question (`QuestionError`'s message), or how it failed.
    :param confidence: the top answer's score (None when the bot declined): for a reader whose scores are
        calibrated, the probability that the answer is right.
    :param history: the earlier questions it was asked after (a follow-up), oldest first.
    :param asked: the question as the bot understood it, where that differs (a follow-up's pronouns resolved).
    :param wrong: the answers known to be wrong (`""`: a decline).
    :param wrong_again: whether the bot gave one of them again; None when there are none.
    :param known: whether the right answer is known (`QAPair.known`); when not, `exact_match`, `f1` and `contains`
        are 1 if the bot did not give a wrong answer again, else 0, and the row counts in no overall figure but
        `Metrics.wrong_again`.
    """

    id: str
    question: str
    answers: list[str]
    title: str | None
    prediction: str
    source: str | None
    declined: bool
    exact_match: float
    f1: float
    contains: float
    retrieval_rank: int | None
    latency_ms: float
    error: str | None = None
    kind: str | None = None
    confidence: float | None = None
    history: list[str] = field(default_factory=list)
    asked: str | None = None
    wrong: list[str] = field(default_factory=list)
    wrong_again: bool | None = None
    known: bool = True

    @property
    def right(self) -> bool:
        """Whether the top answer is right: what a calibrated confidence predicts (F1 of at least one half)."""
        return self.f1 >= 0.5


@dataclass(frozen=True)
class KindScores:
    """The figures of one kind of question (`QAPair.kind`)."""

    questions: int
    contains: float
    f1: float


@dataclass(frozen=True)
class Metrics:
    """Overall figures. Rates are fractions (0-1); None where the figure would be 0/0.

    :param no_answer_precision: of the questions the bot declined, the share that had no accepted answer.
    :param no_answer_recall: of the questions with no accepted answer, the share the bot declined.
    :param recall_at_k: the answer is in any of the `top_k` passages read.
    :param calibration_error: the expected calibration error of the answers' confidences (10 bins; answers only,
        right meaning F1 ≥ 0.5), None without answers.
    :param by_kind: the figures per kind of question, where the file gives kinds.
    :param marked_wrong: the questions with answers known to be wrong (`QAPair.wrong`), and `wrong_again` those the
        bot gave one of them again. `questions` counts every question; the other figures only those whose right
        answer is known.
    """

    exact_match: float
    f1: float
    contains: float
    recall_at_1: float | None
    recall_at_5: float | None
    recall_at_k: float | None
    mrr: float | None
    no_answer_precision: float | None
    no_answer_recall: float | None
    latency_p50_ms: float
    latency_p95_ms: float
    questions: int
    answerable: int
    errors: int
    top_k: int
    total_seconds: float
    calibration_error: float | None = None
    by_kind: dict[str, KindScores] = field(default_factory=dict)
    marked_wrong: int = 0
    wrong_again: int = 0


@dataclass(frozen=True)
class Evaluation:
    """What `evaluate` returns: the overall `metrics` and one `rows` entry per question, in file order."""

    qa_file: str
    articles: str
    metrics: Metrics
    rows: list[Row]

    def to_json(self) -> dict[str, Any]:
        """The `qa eval --json` object."""
        return asdict(self)


def evaluate(
    qa_file: str | Path,
    articles: str | Path | None = None,
    index_dir: str | Path | None = None,
    top_k: int = config.DEFAULT_TOP_K,
    reader: str | None = None,
    limit: int | None = None,
    progress_bar: bool = True,
    held_out: bool = False,
    closed_book: bool = False,
) -> Evaluation:
    """Ask every question of `qa_file` and score the answers.

    Example::

        from qa import evaluate
        result = evaluate("questions.jsonl", articles="path/to/folder")
        print(result.metrics.f1, [row.prediction for row in result.rows])

    :param articles: the folder to answer from. For a SQuAD file without it, the file's own paragraphs (see
        `qa.evaluation.open_book`); otherwise as `Bot` chooses (`$QA_ARTICLES`, the folder last indexed, `seeds/`).
    :param limit: evaluate only the first `limit` questions of the file.
    :param held_out: ask only the questions of the nine SQuAD articles that training leaves out
        (`qa.evaluation.squad.HELD_OUT_TITLES`); an open-book corpus is still the whole file.
    :param closed_book: read each SQuAD question with its own paragraph, by the reader alone
        (`qa.evaluation.closed_book`).
    :raises qa.errors.QAFileError: for a malformed, empty or unknown file (before any model is loaded), or a
        `held_out`/`closed_book` request on a file without SQuAD paragraphs.
    """
    qa_set = load_qa_file(qa_file)
    if held_out:
        qa_set = held_out_questions(qa_set)
    bot = ClosedBook(reader) if closed_book else open_bot(qa_set, articles, index_dir, top_k, reader, progress_bar)
    return run_evaluation(bot, qa_set, limit, progress_bar)


def held_out_questions(qa_set: QASet) -> QASet:
    """`qa_set` with only the questions of the held-out SQuAD articles (its paragraphs all kept, as the corpus).

    :raises qa.errors.QAFileError: if the file has none of them.
    """
    pairs = [pair for pair in qa_set.pairs if pair.title in HELD_OUT_TITLES]
    if not pairs:
        raise QAFileError(f"{qa_set.path} has no question from the held-out SQuAD articles.")
    return replace(qa_set, pairs=pairs)


def open_bot(
    qa_set: QASet,
    articles: str | Path | None,
    index_dir: str | Path | None,
    top_k: int,
    reader: str | None,
    progress_bar: bool,
) -> Bot:
    """The bot to evaluate: over `articles`, or over a SQuAD file's own paragraphs when there is no folder."""
    index_dir = index_dir if index_dir is not None else config.index_dir()
    if articles is None and qa_set.articles:
        articles, index_dir = open_book_folders(qa_set, index_dir)
    return Bot(articles, index_dir, top_k=top_k, reader=reader, progress_bar=progress_bar)


def run_evaluation(
    bot: Bot | ClosedBook, qa_set: QASet, limit: int | None = None, progress_bar: bool = True
) -> Evaluation:
    """Ask `bot` the first `limit` (default: all) questions of `qa_set`, with a progress bar, and score them.

    :raises qa.errors.QAFileError: for a closed-book evaluation of a file without SQuAD paragraphs.
    """
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}.")
    if isinstance(bot, ClosedBook) and not qa_set.articles:
        raise QAFileError(f"{qa_set.path}: a closed-book evaluation needs a SQuAD file (its questions' paragraphs).")
    pairs = qa_set.pairs[:limit]
    score_question(bot, QAPair("warm-up", WARM_UP_QUESTION, ()))  # the first question pays for lazy set-up: not timed
    started = time.perf_counter()
    rows = [
        score_question(bot, pair) for pair in tqdm(pairs, desc="Evaluating", unit="question", disable=not progress_bar)
    ]
    metrics = summarize(rows, bot.top_k, time.perf_counter() - started)
    if isinstance(bot, ClosedBook):  # nothing was retrieved: no retrieval figures
        metrics = replace(metrics, recall_at_1=None, recall_at_5=None, recall_at_k=None, mrr=None)
    return Evaluation(str(qa_set.path), str(bot.articles), metrics, rows)


def score_question(bot: Bot | ClosedBook, pair: QAPair) -> Row:
    """Ask one question and score the answer; a refused or failed question is scored as a decline."""
    error = None
    result: Result | None = None
    started = time.perf_counter()
    try:
        if isinstance(bot, ClosedBook):
            result = bot.ask(pair.question, pair.context or "", pair.title or "")
        else:
            result = bot.ask(pair.question, history=pair.history)
    except QuestionError as refused:
        error = str(refused)
    except Exception as failure:  # one question must not end a run of thousands; it is reported in its row
        logger.exception("The bot failed on question %s.", pair.id)
        error = f"the bot failed: {type(failure).__name__}: {failure}"
    latency_ms = (time.perf_counter() - started) * 1000
    top = result.answers[0] if result is not None and result.answers else None
    prediction = top.text if top is not None else ""
    answers = list(pair.answers)
    passages = [passage.text for passage in result.passages] if result is not None else []
    wrong_again = repeats_wrong(prediction, pair.wrong) if pair.wrong else None
    if pair.known:
        em, f1 = exact_match(prediction, answers), round(f1_score(prediction, answers), 4)
        contains = float(contains_answer(prediction, answers) if answers else top is None)
    else:  # all that is known: whether it said what a user marked wrong
        em = f1 = contains = float(not wrong_again)
    return Row(
        id=pair.id,
        question=pair.question,
        answers=answers,
        title=pair.title,
        prediction=prediction,
        source=top.title if top is not None else None,
        declined=top is None,
        exact_match=em,
        f1=f1,
        contains=contains,
        retrieval_rank=answer_rank(passages, answers) if answers else None,
        latency_ms=round(latency_ms, 2),
        error=error,
        kind=pair.kind,
        confidence=top.score if top is not None else None,
        history=list(pair.history),
        asked=result.asked if result is not None and result.asked != pair.question else None,
        wrong=list(pair.wrong),
        wrong_again=wrong_again,
        known=pair.known,
    )


def summarize(rows: Sequence[Row], top_k: int, seconds: float) -> Metrics:
    """The overall metrics of `rows` (see the module's conventions)."""
    scored = [row for row in rows if row.known]
    marked = [row for row in rows if row.wrong_again is not None]
    ranks = [row.retrieval_rank for row in scored if row.answers]
    latencies = [row.latency_ms for row in rows]
    precision, recall = no_answer_precision_recall(
        [bool(row.answers) for row in scored], [row.declined for row in scored]
    )
    answered = [row for row in scored if row.confidence is not None]
    calibration_error = expected_calibration_error(
        [row.confidence for row in answered if row.confidence is not None], [row.right for row in answered]
    )
    return Metrics(
        exact_match=_mean([row.exact_match for row in scored]),
        f1=_mean([row.f1 for row in scored]),
        contains=_mean([row.contains for row in scored]),
        recall_at_1=_rounded(recall_at(ranks, 1)),
        recall_at_5=_rounded(recall_at(ranks, 5)),
        recall_at_k=_rounded(recall_at(ranks, top_k)),
        mrr=_rounded(mean_reciprocal_rank(ranks)),
        no_answer_precision=_rounded(precision),
        no_answer_recall=_rounded(recall),
        latency_p50_ms=round(percentile(latencies, 50) or 0.0, 1),
        latency_p95_ms=round(percentile(latencies, 95) or 0.0, 1),
        questions=len(rows),
        answerable=len(ranks),
        errors=sum(1 for row in rows if row.error),
        top_k=top_k,
        total_seconds=round(seconds, 2),
        calibration_error=_rounded(calibration_error),
        by_kind=by_kind(scored),
        marked_wrong=len(marked),
        wrong_again=sum(1 for row in marked if row.wrong_again),
    )


def by_kind(rows: Sequence[Row]) -> dict[str, KindScores]:
    """Each kind's figures, in the order kinds first appear; empty when no row has a kind."""
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        if row.kind:
            grouped[row.kind].append(row)
    return {
        kind: KindScores(len(group), _mean([r.contains for r in group]), _mean([r.f1 for r in group]))
        for kind, group in grouped.items()
    }


def _mean(values: Sequence[float]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
