"""What the bot takes as a question."""

from __future__ import annotations

from qa.config import MAX_QUESTION_CHARS, MAX_TOP_K
from qa.errors import QuestionError


def check_question(question: object) -> str:
    """The question, stripped, if the bot can take it.

    :raises QuestionError: for an empty question or one over `MAX_QUESTION_CHARS`.
    """
    text = question.strip() if isinstance(question, str) else ""
    if not text:
        raise QuestionError("The question is empty: ask something about the articles.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # bytes a terminal passed on that are not UTF-8 (Python keeps them as surrogates)
        raise QuestionError("The question holds bytes that are not UTF-8 text: type it again.") from None
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionError(f"The question is {len(text):,} characters long; the limit is {MAX_QUESTION_CHARS:,}.")
    return text


def check_top_k(top_k: object) -> int:
    """`top_k`, if it is a number of passages the bot can read.

    :raises QuestionError: for anything but a whole number from 1 to `MAX_TOP_K`.
    """
    if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= MAX_TOP_K:
        raise QuestionError(f"top_k must be a whole number from 1 to {MAX_TOP_K}, not {top_k!r}.")
    return top_k
