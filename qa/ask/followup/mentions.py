"""What a conversation has mentioned so far, typed by what a pronoun could refer to.

A mention is a named entity, or a noun phrase spaCy finds no name in ("Japan's prime minister", "the PSP"), with
the kinds of reference it can take: a person ("he", "she"), a thing ("it"), a group ("they"), a place ("there") or a
time ("then"). The kinds come from spaCy's entity labels and the phrase's grammatical number, and for an answer from
what its question asked ("Who ...?" is answered by a person).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span

    from qa.ask.followup.turns import Turn


class Kind(Enum):
    """What a pronoun can stand for."""

    PERSON = "person"
    THING = "thing"
    GROUP = "group"
    PLACE = "place"
    TIME = "time"


_BY_LABEL = {
    "PERSON": {Kind.PERSON},
    "ORG": {Kind.THING, Kind.GROUP},  # "Sony ... it", "the Beatles ... they"
    "NORP": {Kind.GROUP},
    "GPE": {Kind.PLACE, Kind.THING, Kind.GROUP},  # "Japan ... there", "Japan ... its", "Greece ... they"
    "LOC": {Kind.PLACE},
    "FAC": {Kind.PLACE, Kind.THING},
    "PRODUCT": {Kind.THING},
    "EVENT": {Kind.THING, Kind.TIME},
    "WORK_OF_ART": {Kind.THING},
    "LAW": {Kind.THING},
    "DATE": {Kind.TIME},
    "TIME": {Kind.TIME},
}
# What a question's first word says its answer is.
_BY_QUESTION_WORD = {
    "who": {Kind.PERSON, Kind.GROUP},
    "whom": {Kind.PERSON},
    "where": {Kind.PLACE},
    "when": {Kind.TIME},
}
# Answers longer than this are quotes or explanations, not something a pronoun refers to.
MAX_ANSWER_TOKENS = 8
# The dependency labels of a clause's subject: what it is about.
SUBJECTS = ("nsubj", "nsubjpass")


@dataclass(frozen=True)
class Mention:
    """Something a later pronoun may refer to.

    :param start: its character offset in the text it was found in (a question: to tell what precedes a pronoun).
    :param named: a named entity (or an answer), rather than a noun phrase; names are preferred.
    :param subject: the subject of its sentence: what a question "asked about" first.
    """

    text: str
    kinds: frozenset[Kind]
    start: int = 0
    named: bool = True
    subject: bool = False


def mentions(doc: Doc) -> list[Mention]:
    """The mentions in `doc`: its subject first, then named entities before other noun phrases, each in order."""
    found = [_entity_mention(entity) for entity in doc.ents if entity.label_ in _BY_LABEL]
    taken = {token.i for entity in doc.ents for token in entity}
    for chunk in doc.noun_chunks:
        if chunk.root.i in taken or chunk.root.pos_ == "PRON" or _asked_for(chunk):
            continue
        subject = chunk.root.dep_ in SUBJECTS
        if chunk.root.tag_ in ("NNS", "NNPS"):
            kinds = {Kind.GROUP}
        else:  # a phrase with no name is a person only as the one who acts: "What did the chief executive say?"
            kinds = {Kind.PERSON, Kind.THING} if subject else {Kind.THING}
        found.append(Mention(_bare(chunk.text), frozenset(kinds), chunk.start_char, False, subject))
    return sorted(found, key=lambda mention: (not mention.subject, not mention.named, mention.start))


def answer_mention(turn: Turn, sentence: Doc, nlp: Language) -> Mention | None:
    """The turn's answer as a mention, if it is short enough to be one.

    Its kinds are what its question asked for ("Who ...?" is answered by a person or a group, whatever spaCy's
    small model labels the name: it takes many people for organisations), else those of the entity it is in its
    `sentence` (the parse of `turn.sentence`), else a plain noun phrase's by its number ("the PSP" → "it").
    """
    answer = turn.answer.strip()
    if not answer or len(answer.split()) > MAX_ANSWER_TOKENS:
        return None
    named: set[Kind] = set()
    at = turn.sentence.find(answer)
    if at >= 0:
        for entity in sentence.ents:
            if entity.start_char < at + len(answer) and at < entity.end_char:
                named |= _BY_LABEL.get(entity.label_, set())
    words = turn.understood.split(maxsplit=1)
    asked = _BY_QUESTION_WORD.get(words[0].lower() if words else "", set())
    kinds = asked or named or _phrase_kinds(nlp(answer))
    return Mention(answer, frozenset(kinds)) if kinds else None


def _phrase_kinds(phrase: Doc) -> set[Kind]:
    """A noun phrase with no name in it: a group if plural, else a thing."""
    roots = [token for token in phrase if token.head == token]
    if len(roots) != 1 or roots[0].pos_ not in ("NOUN", "PROPN"):
        return set()
    return {Kind.GROUP} if roots[0].tag_ in ("NNS", "NNPS") else {Kind.THING}


def holder(role: Mention, sentence: Doc) -> str | None:
    """The person in `sentence` who holds the `role` a noun phrase names ("Japan's prime minister" → the name
    beside "minister" in "Prime Minister Fumio Kishida said ..."), or None if no name stands next to it."""
    head = role.text.split()[-1].lower()
    for entity in sentence.ents:
        if entity.label_ != "PERSON":
            continue
        near = sentence[max(entity.start - 3, 0) : entity.end + 3]
        if any(token.lower_ == head for token in near if not entity.start <= token.i < entity.end):
            return str(entity.text)
    return None


def _entity_mention(entity: Span) -> Mention:
    subject = any(token.dep_ in SUBJECTS for token in entity)
    return Mention(_bare(entity.text), frozenset(_BY_LABEL[entity.label_]), entity.start_char, True, subject)


def _bare(text: str) -> str:
    """The mention without a possessive ending spaCy sometimes includes ("Brad Gilbert's" → "Brad Gilbert")."""
    for ending in ("'s", "\u2019s", "'", "\u2019"):
        if text.endswith(ending) and len(text) > len(ending):
            return text[: -len(ending)]
    return text


def _asked_for(chunk: Span) -> bool:
    """Whether `chunk` is what its question asks for ("which film", "how much money"): not a referent."""
    before = chunk.doc[chunk.start - 1] if chunk.start else None
    return any(token.tag_.startswith("W") for token in chunk) or (before is not None and before.tag_.startswith("W"))
