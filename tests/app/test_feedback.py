"""👍/👎 feedback: the lines it writes, replayed by `qa eval` with the real bot over the seeds; odd text, bad
corrections and concurrent writers."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qa import Bot
from qa.app.feedback import FEEDBACK_FILE, FeedbackLog, check_correction
from qa.ask.followup.turns import Turn
from qa.ask.result import Answer, Result
from qa.config import ENV, MAX_CORRECTION_CHARS
from qa.errors import USER_ERRORS, FeedbackError, QuestionError
from qa.evaluation.files import load_qa_file
from tests.test_cli import _run

LAUNCH = "When did North Korea launch the ballistic missile?"
CUP = "Who won the 2018 FIFA World Cup?"
KIM = "Who is Sung Kim?"
REPORTERS = "What did he tell reporters?"
RIGHT_QUOTE = "Our intent remains the same"


def _answer(text: str = "Tuesday", source: str = "seeds/seed-north-korea.txt") -> Answer:
    return Answer(
        text=text,
        score=0.84,
        title="North Korea fires ballistic missile off coast of Japan",
        source=source,
        start=120,
        end=120 + len(text),
        context=f"It fired on {text}.",
        context_start=108,
        passage=2,
        article_id="seed-north-korea",
    )


def _result(question: str = LAUNCH, *answers: Answer) -> Result:
    return Result(question, question, list(answers), no_answer=not answers)


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]


@pytest.mark.parametrize(
    ("liked", "answers", "correction", "expected"),
    [
        (True, [_answer()], None, (["Tuesday"], [], "liked")),
        (True, [], None, ([], [], "liked")),  # a liked decline: it must keep declining
        (False, [_answer()], " on Monday ", (["on Monday"], ["Tuesday"], "corrected")),
        (False, [], "Tuesday", (["Tuesday"], [""], "corrected")),  # it should have answered, and says what
        (False, [_answer()], "tuesday.", (["tuesday."], [], "corrected")),  # the same words: a 👎 for the citation
        (False, [_answer()], None, ([], ["Tuesday"], "disliked")),  # "not this", nothing known of what is right
        (False, [], None, ([], [""], "disliked")),  # a disliked decline: declining again is wrong
    ],
)
def test_each_kind_of_feedback_is_an_eval_line(
    tmp_path: Path,
    liked: bool,
    answers: list[Answer],
    correction: str | None,
    expected: tuple[list[str], list[str], str],
) -> None:
    record = FeedbackLog(tmp_path).record(_result(LAUNCH, *answers), liked, correction=correction)

    assert (record["answers"], record["wrong"], record["kind"]) == expected
    assert _lines(tmp_path / FEEDBACK_FILE) == [record]
    pair = load_qa_file(tmp_path / FEEDBACK_FILE).pairs[0]
    assert (list(pair.answers), list(pair.wrong), pair.kind) == expected
    assert pair.known == (bool(expected[0]) or not expected[1])


def test_the_citation_score_history_and_time_are_kept_for_the_reader(tmp_path: Path) -> None:
    history = [Turn(KIM, answer="special envoy"), "What did he say?"]

    record = FeedbackLog(tmp_path).record(_result("And then?", _answer()), liked=True, history=history)

    assert record["history"] == [KIM, "What did he say?"]
    assert record["citation"] == {
        "title": "North Korea fires ballistic missile off coast of Japan",
        "source": "seeds/seed-north-korea.txt",
        "start": 120,
        "end": 127,
        "passage": 2,
        "article_id": "seed-north-korea",
    }
    assert (record["answer"], record["score"], record["asked"]) == ("Tuesday", 0.84, "And then?")
    assert record["time"].endswith("+00:00")
    assert load_qa_file(tmp_path / FEEDBACK_FILE).pairs[0].history == (KIM, "What did he say?")


def test_a_decline_has_no_citation(tmp_path: Path) -> None:
    record = FeedbackLog(tmp_path).record(_result(CUP), liked=False)

    assert (record["answer"], record["score"], record["citation"]) == (None, None, None)


def test_odd_text_stays_on_its_line_and_reads_back(tmp_path: Path) -> None:
    question = 'Who said "no"\nand \u2028 then \\ left? 東京 🙂'
    correction = "Kim \"the envoy\"\r\n'Sung' \u2029 ünïcödé"
    lonely = "seeds/caf\udce9.txt"  # a file name's undecodable byte, as Python keeps it
    log = FeedbackLog(tmp_path)

    log.record(_result(question, _answer(source=lonely)), liked=False, correction=correction)
    log.record(_result(question, _answer()), liked=True)

    lines = (tmp_path / FEEDBACK_FILE).read_bytes().decode("utf-8").split("\n")
    assert len(lines) == 3 and lines[-1] == ""  # two records, each one line
    pairs = load_qa_file(tmp_path / FEEDBACK_FILE).pairs
    assert [pair.question for pair in pairs] == [question, question]
    assert pairs[0].answers == (correction.strip(),) and pairs[1].answers == ("Tuesday",)
    assert json.loads(lines[0])["citation"]["source"] == lonely


def test_the_same_question_liked_twice_is_appended_twice(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path)

    log.record(_result(LAUNCH, _answer()), liked=True)
    log.record(_result(LAUNCH, _answer()), liked=False, correction="on Monday")

    assert [pair.kind for pair in load_qa_file(log.path).pairs] == ["liked", "corrected"]


@pytest.mark.parametrize(
    ("correction", "message"),
    [
        ("", "The correct answer is blank: type the words of the article that answer the question."),
        (" \n\t ", "The correct answer is blank"),
        ("x" * (MAX_CORRECTION_CHARS + 1), "The correct answer is 1,001 characters long; the limit is 1,000"),
    ],
)
def test_a_blank_or_huge_correction_is_a_clear_error(tmp_path: Path, correction: str, message: str) -> None:
    with pytest.raises(FeedbackError) as raised:
        FeedbackLog(tmp_path).record(_result(LAUNCH, _answer()), liked=False, correction=correction)

    assert str(raised.value).startswith(message) and isinstance(raised.value, USER_ERRORS)
    assert not (tmp_path / FEEDBACK_FILE).exists()  # nothing half-written


def test_check_correction_strips() -> None:
    assert check_correction("  on Tuesday \n") == "on Tuesday"


def test_misuse_and_an_unwritable_file_are_errors(tmp_path: Path) -> None:
    (tmp_path / "not-a-folder").write_text("x", encoding="utf-8")

    with pytest.raises(ValueError, match=r"^A correction goes with a 👎, not a 👍\.$"):
        FeedbackLog(tmp_path).record(_result(LAUNCH, _answer()), liked=True, correction="Monday")
    with pytest.raises(QuestionError, match="The question is empty"):
        FeedbackLog(tmp_path).record(_result(LAUNCH, _answer()), liked=True, history=["  "])
    with pytest.raises(FeedbackError, match=r"^Cannot save the feedback to .*not-a-folder/feedback\.jsonl: "):
        FeedbackLog(tmp_path / "not-a-folder").record(_result(LAUNCH, _answer()), liked=True)


def test_concurrent_records_are_whole_lines(tmp_path: Path) -> None:
    logs = [FeedbackLog(tmp_path), FeedbackLog(tmp_path)]  # two apps over one index: their locks are not shared
    long = "word " * 3000  # a line longer than a pipe's or a buffer's atomic size
    start = threading.Barrier(8)

    def click(worker: int) -> None:
        start.wait()
        for n in range(40):
            result = _result(f"Question {worker}-{n}: {long}"[:1000], _answer(f"answer {worker}-{n} {long}"))
            logs[worker % 2].record(result, liked=n % 2 == 0, correction=None if n % 2 == 0 else f"right {n}")

    threads = [threading.Thread(target=click, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    records = _lines(tmp_path / FEEDBACK_FILE)  # every line parses
    assert len(records) == 8 * 40
    assert sorted(record["question"][:15] for record in records) == sorted(
        f"Question {worker}-{n}: {long}"[:15] for worker in range(8) for n in range(40)
    )
    assert len(load_qa_file(tmp_path / FEEDBACK_FILE).pairs) == 8 * 40


Replayed = tuple[dict[str, Any], str, str]


@pytest.fixture(scope="module")
def replayed(seed_bot: Bot) -> Iterator[Replayed]:
    """Feedback on four real answers of the seed bot, then `qa eval` of the file over the same index, as a user
    runs it (the articles: the folder the index was built from): the JSON, the table and the HTML report."""
    index_dir = seed_bot.index.directory
    log = FeedbackLog(index_dir)
    earlier = [KIM]
    log.record(seed_bot.ask(LAUNCH), liked=True)  # "Tuesday"
    log.record(seed_bot.ask(CUP), liked=True)  # a decline
    # The answer (the North's official name) is from the wrong sentence; the user types what Sung Kim said.
    log.record(seed_bot.ask(REPORTERS, history=earlier), liked=False, history=earlier, correction=RIGHT_QUOTE)
    log.record(seed_bot.ask(KIM), liked=False)  # a decline the user dislikes, typing nothing
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(ENV.ARTICLES, raising=False)
        code, out, _ = _run("eval", str(log.path), "--index-dir", str(index_dir), "--json")
        assert code == 0
        report = index_dir.parent / "feedback-report.html"
        code, table, _ = _run("eval", str(log.path), "--index-dir", str(index_dir), "--report", str(report))
        assert code == 0
    yield json.loads(out), table, report.read_text(encoding="utf-8")
    log.path.unlink()


@pytest.mark.slow
def test_qa_eval_replays_the_feedback_against_the_same_index(replayed: Replayed, seed_bot: Bot) -> None:
    payload, _, _ = replayed
    launch, cup, reporters, kim = payload["rows"]

    assert payload["articles"] == str(seed_bot.articles)
    assert (launch["answers"], launch["prediction"], launch["f1"], launch["kind"]) == (
        ["Tuesday"],
        "Tuesday",
        1.0,
        "liked",
    )
    assert (cup["answers"], cup["declined"], cup["f1"]) == ([], True, 1.0)  # still declines
    assert reporters["history"] == [KIM] and reporters["asked"] == "What did Sung Kim tell reporters?"
    assert reporters["answers"] == [RIGHT_QUOTE] and reporters["wrong"] == [reporters["prediction"]]
    assert (reporters["wrong_again"], reporters["kind"], reporters["known"]) == (True, "corrected", True)
    assert (kim["answers"], kim["wrong"], kim["declined"]) == ([], [""], True)
    assert (kim["known"], kim["wrong_again"], kim["f1"]) == (False, True, 0.0)


@pytest.mark.slow
def test_the_report_counts_wrong_answers_given_again_apart(
    replayed: Replayed,
) -> None:
    payload, table, html = replayed
    metrics = payload["metrics"]

    assert (metrics["questions"], metrics["marked_wrong"], metrics["wrong_again"]) == (4, 2, 2)
    # Over the three questions whose right outcome is known: the liked two right, the corrected one wrong.
    assert metrics["exact_match"] == round(2 / 3, 4)
    # The disliked decline is not a question the articles do not answer: it stays out of the no-answer figures.
    assert (metrics["no_answer_precision"], metrics["no_answer_recall"]) == (1.0, 1.0)
    assert list(metrics["by_kind"]) == ["liked", "corrected"] and metrics["by_kind"]["liked"]["f1"] == 1.0
    assert "wrong answers given again    2 of 2 marked wrong" in table
    assert f"- {KIM}\n  expected: not (declined)\n  answered: (declined)  (F1 0.00)" in table
    assert f"expected: {RIGHT_QUOTE}; not the North" in table
    assert "<th>wrong answers given again</th><td>2 of 2 marked wrong</td>" in html
