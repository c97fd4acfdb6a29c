"""The public entry point: `Bot.ask(question)` returns cited answers, or declines.

Every surface (CLI, chat, evaluation, Python) goes through one `Bot` and one Haystack `Pipeline`
(embed → dense ∥ BM25 → fuse → read), so what is measured is what users get. The Bot's own work is what the
pipeline cannot know: resolving follow-up pronouns first, and afterwards turning passage offsets into offsets in
the original article files, merging duplicates from overlapping passages, and deciding to decline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from haystack import Document, ExtractedAnswer, Pipeline

from qa.defaults import DEFAULT_INDEX_DIR, DEFAULT_TOP_K
from qa.followup import Turn, resolve
from qa.index import Index, IndexReport, IndexSettings, articles_folder
from qa.nlp import SPACY_LOCK, load_spacy
from qa.passages import original_span
from qa.readers import make_reader
from qa.retrieve import CANDIDATES_PER_RESULT, retrieval_pipeline

MAX_QUESTION_CHARS = 1000
# Answers scoring below this share of the best one are noise next to it ("North Korean" beside "Kim Jong Un").
RELATIVE_SCORE_FLOOR = 0.75


class QuestionError(ValueError):
    """A question the bot cannot take (empty, too long); the message says why."""


@dataclass(frozen=True)
class Answer:
    """One cited answer. `text == original article text[start:end]`, where the article is at `source`.

    :param context: the passage the answer was read from, in the article's original characters; it begins at
        `context_start` in the article.
    :param passage: the passage's number in its article (from 1); with `article_id`, it names the passage in the index.
    """

    text: str
    score: float
    title: str
    source: str
    start: int
    end: int
    context: str
    context_start: int
    passage: int
    date: str | None = None
    url: str | None = None
    article_id: str = ""


@dataclass(frozen=True)
class Passage:
    """A retrieved passage, as evidence: shown with a declined question, or as a source."""

    title: str
    source: str
    start: int
    end: int
    text: str
    passage: int
    score: float
    date: str | None = None
    article_id: str = ""


@dataclass(frozen=True)
class Result:
    """What `Bot.ask` returns.

    :param asked: the question as the pipeline saw it, after follow-up pronouns were resolved.
    :param no_answer: the articles do not answer it; `answers` is empty and `passages` holds the closest ones.
    """

    question: str
    asked: str
    answers: list[Answer]
    no_answer: bool
    passages: list[Passage] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The `qa ask --json` object."""
        keys = ("text", "score", "title", "source", "start", "end", "context")
        return {
            "question": self.question,
            "answers": [{key: asdict(answer)[key] for key in keys} for answer in self.answers],
            "no_answer": self.no_answer,
        }


def check_question(question: object) -> str:
    """The question, stripped, if the bot can take it.

    :raises QuestionError: for an empty question or one over `MAX_QUESTION_CHARS`.
    """
    text = question.strip() if isinstance(question, str) else ""
    if not text:
        raise QuestionError("The question is empty: ask something about the articles.")
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionError(f"The question is {len(text):,} characters long; the limit is {MAX_QUESTION_CHARS:,}.")
    return text


class Bot:
    """Question answering over a folder of articles, with citations.

    Usage example::

        bot = Bot()                                   # seeds/ articles, index/ directory
        result = bot.ask("What did Sung Kim say?")
        print(result.answers[0].text, result.answers[0].source)
        bot.ask("What did he tell reporters?", history=["Who is Sung Kim?"])
    """

    def __init__(
        self,
        articles: str | Path | None = None,
        index_dir: str | Path = DEFAULT_INDEX_DIR,
        top_k: int = DEFAULT_TOP_K,
        reader: str | None = None,
        settings: IndexSettings | None = None,
        rebuild: bool = False,
        progress_bar: bool = True,
    ) -> None:
        """Open (building or updating if needed) the index of `articles`, and load the models once.

        :param articles: the folder of articles; by default `$QA_ARTICLES`, else the folder the index was last built
            from, else the bundled `seeds/`.
        :param top_k: passages retrieved and read per question.
        :param reader: "hybrid" (the default), "learned", "rules", or a model to read with: a directory saved by
            `qa train-reader`, or a transformers extractive QA model (local path or cached hub id).
        :raises qa.articles.ArticleError: if `articles` is not a folder.
        :raises qa.index.IndexingError: if it holds no readable article.
        :raises qa.readers.transformers.ReaderModelError: if `reader` cannot be loaded.
        """
        if top_k < 1:
            raise ValueError(f"top_k must be at least 1, not {top_k}.")
        self.articles = articles_folder(articles, index_dir).expanduser().resolve()
        self.settings = settings or IndexSettings()
        self.top_k = top_k
        self.reader = reader
        self.index, self.report = Index.open(
            self.articles, index_dir, self.settings, rebuild=rebuild, progress_bar=progress_bar
        )
        self.pipeline = self._pipeline(self.index)
        self._nlp = load_spacy()

    def _pipeline(self, index: Index) -> Pipeline:
        pipeline = retrieval_pipeline(index, self.settings, self.top_k)
        pipeline.add_component("reader", make_reader(self.reader, top_k=self.top_k))
        pipeline.connect("joiner.documents", "reader.documents")
        pipeline.warm_up()  # the models are cached by their loaders: a second pipeline shares them
        return pipeline

    def refresh(self, progress_bar: bool = True) -> IndexReport:
        """Bring the index up to date with the articles folder (only what changed is embedded).

        Questions asked meanwhile are answered from the previous index: the new one replaces it in one assignment.
        """
        index, report = Index.open(self.articles, self.index.directory, self.settings, progress_bar=progress_bar)
        self.pipeline, self.index, self.report = self._pipeline(index), index, report
        return report

    def ask(self, question: str, history: Sequence[Turn | str] = (), top_k: int | None = None) -> Result:
        """Answer `question`, resolving "he", "she", "it", "they" against `history` (earlier turns, oldest first).

        :param top_k: passages retrieved and read for this question only; by default the Bot's `top_k`.
        :raises QuestionError: for an empty or overlong question.
        """
        question = check_question(question)
        top_k = top_k or self.top_k
        with SPACY_LOCK:
            asked = resolve(question, history, self._nlp)
        candidates = top_k * CANDIDATES_PER_RESULT
        output = self.pipeline.run(
            {
                "embedder": {"text": asked},
                "dense": {"top_k": candidates},
                "bm25": {"query": asked, "top_k": candidates},
                "joiner": {"top_k": top_k},
                "reader": {"query": asked, "top_k": top_k},
            },
            include_outputs_from={"joiner"},
        )
        passages = [self._passage(document) for document in output["joiner"]["documents"]]
        answers = self._answers(output["reader"]["answers"], top_k)
        return Result(question, asked, answers, no_answer=not answers, passages=passages)

    def _answers(self, extracted: list[ExtractedAnswer], top_k: int) -> list[Answer]:
        """Cited answers, best first; none when the reader's best guess is that there is no answer."""
        answers: list[Answer] = []
        for answer in sorted(extracted, key=lambda answer: -answer.score):
            if answer.data is None or answer.document is None or answer.document_offset is None:
                if not answers:
                    return []  # "no answer" outranks every span
                continue
            if answers and answer.score < RELATIVE_SCORE_FLOOR * answers[0].score:
                break
            offset = answer.document_offset
            cited = self._cite(answer.document, offset.start, offset.end, answer.score)
            if cited is not None and not any(_overlaps(cited, kept) for kept in answers):
                answers.append(cited)
            if len(answers) == top_k:
                break
        return answers

    def _cite(self, document: Document, start: int, end: int, score: float) -> Answer | None:
        """The answer `document.content[start:end]`, trimmed, as characters of the original article."""
        content = document.content or ""
        while start < end and content[start].isspace():
            start += 1
        while end > start and content[end - 1].isspace():
            end -= 1
        if start >= end:
            return None
        meta = document.meta
        first, last = original_span(meta, start, end)
        base = meta["start"]
        return Answer(
            text=meta["original"][first - base : last - base],
            score=round(float(score), 4),
            title=meta["title"],
            source=self._source(meta["source"]),
            start=first,
            end=last,
            context=meta["original"],
            context_start=base,
            passage=meta["passage"],
            date=meta.get("date"),
            url=meta.get("url"),
            article_id=meta["article_id"],
        )

    def passage(self, article_id: str, number: int) -> Passage | None:
        """Passage `number` (from 1) of an indexed article, or None if it has no such passage.

        For showing more of an article around an answer: its neighbouring passages.
        """
        info = self.index.articles.get(article_id)
        if info is None or not 1 <= number <= info["passages"]:
            return None
        return self._passage(self.index.document(f"{article_id}-{number}"))

    def _passage(self, document: Document) -> Passage:
        meta = document.meta
        return Passage(
            title=meta["title"],
            source=self._source(meta["source"]),
            start=meta["start"],
            end=meta["end"],
            text=meta["original"],
            passage=meta["passage"],
            score=round(float(document.score or 0.0), 4),
            date=meta.get("date"),
            article_id=meta["article_id"],
        )

    def _source(self, relative: str) -> str:
        return str(self.articles / relative)


def _overlaps(a: Answer, b: Answer) -> bool:
    return a.source == b.source and a.start < b.end and b.start < a.end


__all__ = ["Answer", "Bot", "IndexReport", "Passage", "QuestionError", "Result", "Turn"]
