"""Resolving pronouns in follow-up questions against the conversation so far.

"Who is Sung Kim?" then "What did he tell reporters?": retrieval and the reader need "Sung Kim", not "he". The
pronoun is replaced by the most recent entity of a fitting kind, looking at the previous question first, then
the previous answer, then further back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Token

_PERSON = ("PERSON",)
_THING = ("ORG", "GPE", "LOC", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "NORP")
_WANTED = {
    "he": _PERSON,
    "him": _PERSON,
    "his": _PERSON,
    "she": _PERSON,
    "her": _PERSON,
    "hers": _PERSON,
    "it": _THING,
    "its": _THING,
    "they": _THING + _PERSON,
    "them": _THING + _PERSON,
    "their": _THING + _PERSON,
}


@dataclass(frozen=True)
class Turn:
    """One exchange of a conversation."""

    question: str
    answer: str = ""


def resolve(question: str, history: Sequence[Turn | str], nlp: Language) -> str:
    """`question` with its first third-person pronoun replaced by what it refers to in `history`.

    :param history: earlier turns, oldest first; a plain string is a question whose answer is not known.

    Example::

        >>> resolve("What did he tell reporters?", [Turn("Who is Sung Kim?")], nlp)
        'What did Sung Kim tell reporters?'
    """
    if not history:
        return question
    doc = nlp(question)
    pronoun = next((token for token in doc if token.pos_ == "PRON" and token.lower_ in _WANTED), None)
    if pronoun is None:
        return question
    referent = _referent(_WANTED[pronoun.lower_], history, nlp)
    if referent is None:
        return question
    replacement = f"{referent}'s" if _possessive(pronoun) else referent
    return question[: pronoun.idx] + replacement + question[pronoun.idx + len(pronoun.text) :]


def _referent(labels: tuple[str, ...], history: Sequence[Turn | str], nlp: Language) -> str | None:
    for turn in reversed(history):
        turn = turn if isinstance(turn, Turn) else Turn(turn)
        for text in (turn.question, turn.answer):
            if not text:
                continue
            entities = [ent.text for ent in nlp(text).ents if ent.label_ in labels]
            if entities:
                return entities[0]
    return None


def _possessive(pronoun: Token) -> bool:
    return pronoun.tag_ == "PRP$" or pronoun.lower_ in ("his", "its", "their", "hers")
