"""What the bot takes as a question."""

from __future__ import annotations

from qa.config import MAX_QUESTION_CHARS
from qa.errors import QuestionError


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
