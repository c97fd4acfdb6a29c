"""What `Bot.ask` returns: cited answers, the passages retrieved, and whether the question was declined.

Plain dataclasses, so that the JSON the CLI prints (`Result.to_json`) and the chat's citations read the same fields.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


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
    :param clarification: a question back, when the question refers to someone nothing earlier names ("Who do you
        mean by 'she'?"); then it was not answered (`no_answer`) and nothing was retrieved.
    """

    question: str
    asked: str
    answers: list[Answer]
    no_answer: bool
    passages: list[Passage] = field(default_factory=list)
    clarification: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The `qa ask --json` object."""
        keys = ("text", "score", "title", "source", "start", "end", "context")
        return {
            "question": self.question,
            "asked": self.asked,
            "answers": [{key: asdict(answer)[key] for key in keys} for answer in self.answers],
            "no_answer": self.no_answer,
            "clarification": self.clarification,
        }
