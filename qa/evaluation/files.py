"""Reading question-answer files for evaluation: JSONL, CSV and SQuAD v1.1/v2.0 JSON.

A user's file is checked as it is read, and a malformed one is rejected with the file, the line (or the place in
a SQuAD file) and what is wrong, before any model is loaded. An odd question (empty, very long, not English) is
not malformed: it is kept, and the evaluation scores the bot's refusal.

Formats, by file suffix:

- `.jsonl`: one `{"question": str, "answers": [str, ...]}` per line, optional `"id"`, `"title"`, `"kind"`,
  `"history"` (the earlier questions of a conversation, oldest first: the question is a follow-up asked after them)
  and `"wrong"` (answers known to be wrong, `""` for a decline: what a user disliked, see `qa.app.feedback`); an
  empty `answers` list means the articles do not answer the question, unless `wrong` is given: then the right answer
  is not known, and the question is scored only on whether the bot gives a wrong answer again. Other keys are
  ignored, so that a file can carry notes for the people reading it.
- `.csv`: a header with `question` and `answer` columns (optional `id`, `title`); several rows with the same
  question give it several accepted answers; a question whose rows all have an empty answer has none.
- `.json`: SQuAD v1.1 or v2.0 (`{"data": [{"title", "paragraphs": [{"context", "qas": [...]}]}]}`); a v2.0
  question marked `is_impossible` has no answer. The paragraphs are kept, to serve as the corpus when no
  articles folder is given.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa.errors import ArticleError, QAFileError
from qa.ingest.files import decode
from qa.ingest.records import jsonl_records

FORMATS = {".jsonl": "JSONL", ".csv": "CSV", ".json": "SQuAD JSON"}
# The kind of a question asked with a history, where the file gives it none.
FOLLOW_UP = "followup"


@dataclass(frozen=True)
class QAPair:
    """One question and the answers accepted for it (none: the articles do not answer it).

    :param id: the file's id for the question, else its position (`"line 3"`, `"question 3"`).
    :param title: the article the question is about, where the file says so.
    :param context: the paragraph the question was written from (SQuAD files only): what a closed-book
        evaluation reads it with.
    :param kind: the kind of question, where the file says so (a `kind` field or column: "quote", "when", ...);
        the report scores each kind apart. A question with a history and no kind is a "followup".
    :param history: the questions asked before this one in its conversation, oldest first (JSONL files only).
    :param wrong: answers known to be wrong (`""`: declining is wrong), normalised apart from that as `answers` are
        (JSONL files only).
    """

    id: str
    question: str
    answers: tuple[str, ...]
    title: str | None = None
    context: str | None = None
    kind: str | None = None
    history: tuple[str, ...] = ()
    wrong: tuple[str, ...] = ()

    @property
    def answerable(self) -> bool:
        return bool(self.answers)

    @property
    def known(self) -> bool:
        """Whether the file says what the right outcome is: an answer, or (no answer, nothing marked wrong) a decline.

        A question that only has `wrong` answers is not: a user said "not this" without saying what instead.
        """
        return bool(self.answers) or not self.wrong


@dataclass(frozen=True)
class SquadArticle:
    """The paragraphs of one SQuAD article, in file order: the corpus of an open-book evaluation."""

    title: str
    paragraphs: tuple[str, ...]


@dataclass
class QASet:
    """What a question-answer file holds.

    :param articles: the SQuAD paragraphs by article (empty for JSONL and CSV files).
    """

    path: Path
    format: str
    pairs: list[QAPair]
    articles: list[SquadArticle] = field(default_factory=list)


def load_qa_file(path: str | Path) -> QASet:
    """Read and check a question-answer file.

    Example::

        qa_set = load_qa_file("questions.jsonl")
        print(len(qa_set.pairs), qa_set.pairs[0].question, qa_set.pairs[0].answers)

    :raises QAFileError: for a missing, empty or malformed file or an unknown format.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(f"{suffix} ({name})" for suffix, name in FORMATS.items())
        raise QAFileError(f"{path}: unknown question-answer format '{suffix or path.name}'. Use {known}.")
    if not path.is_file():
        raise QAFileError(f"{path}: no such file.")
    try:
        text = decode(path)
    except ArticleError as error:
        raise QAFileError(f"{path}: {error}.") from error
    if suffix == ".jsonl":
        qa_set = QASet(path, FORMATS[suffix], _jsonl_pairs(text, path))
    elif suffix == ".csv":
        qa_set = QASet(path, FORMATS[suffix], _csv_pairs(text, path))
    else:
        articles, pairs = _squad(text, path)
        qa_set = QASet(path, FORMATS[suffix], pairs, articles)
    if not qa_set.pairs:
        raise QAFileError(f"{path}: the file holds no questions.")
    return qa_set


def _jsonl_pairs(text: str, path: Path) -> list[QAPair]:
    pairs = []
    for _, line, record in jsonl_records(text.lstrip("\ufeff"), path.name):
        where = f"{path}, {line}"
        if isinstance(record, ArticleError):
            raise QAFileError(f"{path}, {record}.")
        if not isinstance(record, dict):
            raise QAFileError(f"{where}: expected an object with 'question' and 'answers', got {_kind(record)}.")
        for key in ("question", "answers"):
            if key not in record:
                raise QAFileError(f"{where}: the object has no '{key}'.")
        question = _string(record["question"], where, "'question'")
        answers = record["answers"]
        if not isinstance(answers, list) or not all(isinstance(answer, str) for answer in answers):
            raise QAFileError(f"{where}: 'answers' must be a list of strings ([] for no answer), got {answers!r:.80}.")
        history = _history(record.get("history", []), where)
        wrong = record.get("wrong", [])
        if not isinstance(wrong, list) or not all(isinstance(answer, str) for answer in wrong):
            raise QAFileError(f"{where}: 'wrong' must be a list of strings (\"\" for a decline), got {wrong!r:.80}.")
        pairs.append(
            QAPair(
                id=_optional(record, "id", where) or line,
                question=question,
                answers=_accepted(answers),
                title=_optional(record, "title", where),
                kind=_optional(record, "kind", where) or (FOLLOW_UP if history else None),
                history=history,
                wrong=tuple(dict.fromkeys(answer.strip() for answer in wrong)),
            )
        )
    return pairs


def _history(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(question, str) and question.strip() for question in value):
        raise QAFileError(f"{where}: 'history' must be a list of the earlier questions, got {value!r:.80}.")
    return tuple(value)


def _csv_pairs(text: str, path: Path) -> list[QAPair]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise QAFileError(f"{path}, line 1: not CSV ({error}).") from error
    columns = [name.strip().lower() for name in header or []]
    missing = [name for name in ("question", "answer") if name not in columns]
    if missing:
        found = ", ".join(repr(name) for name in columns) or "nothing"
        raise QAFileError(
            f"{path}, line 1: the header needs 'question' and 'answer' columns; it lacks "
            f"{' and '.join(repr(name) for name in missing)} (found {found})."
        )
    grouped: dict[str, dict[str, Any]] = {}
    start = reader.line_num + 1  # the line where the next row starts (a quoted field may span lines)
    try:
        for row in reader:
            number, start = start, reader.line_num + 1
            where = f"{path}, line {number}"
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(columns):
                raise QAFileError(f"{where}: {len(row)} fields where the header has {len(columns)}.")
            cells = dict(zip(columns, row, strict=True))
            question = cells["question"]
            entry = grouped.setdefault(
                question,
                {
                    "id": cells.get("id") or f"line {number}",
                    "title": cells.get("title") or None,
                    "kind": cells.get("kind") or None,
                    "answers": [],
                },
            )
            entry["answers"].append(cells["answer"])
    except csv.Error as error:
        raise QAFileError(f"{path}, line {start}: not CSV ({error}).") from error
    return [
        QAPair(entry["id"], question, _accepted(entry["answers"]), entry["title"], kind=entry["kind"])
        for question, entry in grouped.items()
    ]


def _squad(text: str, path: Path) -> tuple[list[SquadArticle], list[QAPair]]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise QAFileError(f"{path}, line {error.lineno}: not JSON ({error.msg}, column {error.colno}).") from error
    if not isinstance(document, dict) or not isinstance(document.get("data"), list):
        raise QAFileError(
            f"{path}: not a SQuAD file: expected an object with a 'data' list of articles, got {_kind(document)}"
            + (f" with keys {', '.join(sorted(document))[:80]}." if isinstance(document, dict) else ".")
        )
    articles: list[SquadArticle] = []
    pairs: list[QAPair] = []
    for a, article in enumerate(document["data"]):
        where = f"{path}: data[{a}]"
        _expect(article, dict, where, "an article object")
        title = _string(article.get("title", f"Article {a + 1}"), where, "'title'")
        paragraphs = _expect(article.get("paragraphs"), list, f"{where}.paragraphs", "a list of paragraphs")
        contexts = []
        for p, paragraph in enumerate(paragraphs):
            where = f"{path}: data[{a}].paragraphs[{p}]"
            _expect(paragraph, dict, where, "a paragraph object")
            context = _string(paragraph.get("context"), where, "'context'")
            contexts.append(context)
            for q, item in enumerate(_expect(paragraph.get("qas", []), list, f"{where}.qas", "a list of questions")):
                pairs.append(_squad_pair(item, f"{where}.qas[{q}]", title, context, len(pairs) + 1))
        articles.append(SquadArticle(title, tuple(contexts)))
    return articles, pairs


def _squad_pair(item: Any, where: str, title: str, context: str, number: int) -> QAPair:
    _expect(item, dict, where, "a question object")
    question = _string(item.get("question"), where, "'question'")
    answers = _expect(item.get("answers", []), list, f"{where}.answers", "a list of answers")
    texts = []
    for n, answer in enumerate(answers):
        _expect(answer, dict, f"{where}.answers[{n}]", "an object with 'text'")
        texts.append(_string(answer.get("text"), f"{where}.answers[{n}]", "'text'"))
    impossible = item.get("is_impossible") is True
    if impossible:
        texts = []
    return QAPair(
        id=str(item.get("id") or f"question {number}"),
        question=question,
        answers=_accepted(texts),
        title=title,
        context=context,
        kind=("unanswerable" if impossible else "answerable") if "is_impossible" in item else None,
    )


def _accepted(answers: list[str]) -> tuple[str, ...]:
    """The distinct non-blank answers, in file order (SQuAD repeats an answer once per annotator)."""
    return tuple(dict.fromkeys(answer.strip() for answer in answers if answer.strip()))


def _string(value: Any, where: str, what: str) -> str:
    if not isinstance(value, str):
        raise QAFileError(f"{where}: {what} must be a string, got {_kind(value)}.")
    return value


def _optional(record: dict[str, Any], key: str, where: str) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise QAFileError(f"{where}: '{key}' must be a string, got {_kind(value)}.")
    return str(value)


def _expect(value: Any, kind: type, where: str, what: str) -> Any:
    if not isinstance(value, kind):
        raise QAFileError(f"{where}: expected {what}, got {_kind(value)}.")
    return value


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__)
