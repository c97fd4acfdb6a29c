"""Resolving pronouns in follow-up questions against the conversation so far.

"Who is Sung Kim?" then "What did he tell reporters?": retrieval and the reader need "Sung Kim", not "he". The
pronoun is replaced by the most recent entity of a fitting kind, looking at the previous question first, then
the previous answer, then further back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # spaCy is imported by whoever loads the pipeline (`qa.nlp`), only when a follow-up needs it
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
    """`question` with its third-person pronouns replaced by what they refer to in `history`.

    Pronouns of one kind ("he" and "his") refer to the same entity: "What did he say about his trip?".

    :param history: earlier turns, oldest first; a plain string is a question whose answer is not known.

    Example::

        >>> resolve("What did he tell reporters?", [Turn("Who is Sung Kim?")], nlp)
        'What did Sung Kim tell reporters?'
    """
    if not history:
        return question
    pronouns = [token for token in nlp(question) if token.pos_ == "PRON" and token.lower_ in _WANTED]
    referents: dict[tuple[str, ...], str | None] = {}
    for pronoun in reversed(pronouns):  # from the end, so that earlier offsets stay valid
        labels = _WANTED[pronoun.lower_]
        if labels not in referents:
            referents[labels] = _referent(labels, history, nlp)
        referent = referents[labels]
        if referent is not None:
            replacement = f"{referent}'s" if _possessive(pronoun) else referent
            question = question[: pronoun.idx] + replacement + question[pronoun.idx + len(pronoun.text) :]
    return question


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
