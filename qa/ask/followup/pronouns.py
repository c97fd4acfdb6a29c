"""Replacing a follow-up's pronouns by what they refer to in the conversation.

A pronoun refers to an earlier mention of a kind it can stand for ("he": a person, "it": a thing, "they": a group,
"there": a place, "then": a time). Salience, from the latest turn back: that turn's answer (the person "Who founded
Jet Airways?" was answered with), then what its question was about (its subject first, names before other phrases);
the names in the answers' sentences come after every question's. A role ("Japan's prime minister") is replaced by
the name its holder has in that sentence, where it has one. Only the first pronoun of a referent is replaced ("When
did Gareth Thomas make his debut?"): the rewrite stays a plain question a person can read and correct.

Which of the few most salient referents is meant is often a matter of sense ("How much will it cost?" after a
question naming the Treasury and Crossrail), so the rewrite comes with alternatives, for the reader's confidence in
its answers to choose among (`Bot.ask`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qa.ask.followup.mentions import SUBJECTS, Kind, Mention, answer_mention, holder, mentions

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token

    from qa.ask.followup.turns import Turn

_PERSON = frozenset({Kind.PERSON})
_HE = ("he", "him", "his", "himself")
_SHE = ("she", "her", "hers", "herself")
PRONOUNS: dict[str, frozenset[Kind]] = {
    **dict.fromkeys(_HE + _SHE, _PERSON),
    **dict.fromkeys(("it", "its", "itself"), frozenset({Kind.THING})),
    **dict.fromkeys(("they", "them", "their", "theirs", "themselves"), frozenset({Kind.GROUP})),
    "there": frozenset({Kind.PLACE}),
    "then": frozenset({Kind.TIME}),
}
# The pronouns that always refer to someone: one that nothing earlier can resolve is asked about, not guessed.
PERSONAL = frozenset(_HE + _SHE)
_GENDER = {word: re.compile(rf"\b(?:{'|'.join(words)})\b", re.IGNORECASE) for words in (_HE, _SHE) for word in words}
_POSSESSIVE = ("his", "hers", "its", "their", "theirs")
_PLACE_OR_TIME = ("there", "then")
# Referents offered for the first pronoun of a question: the rewrites the reader chooses among.
ALTERNATIVES = 3


@dataclass(frozen=True)
class Rewrite:
    """A question with its pronouns replaced, best reading first, and the personal pronouns nothing referred to.

    :param questions: the rewrites, each with a different referent for the first pronoun; the question itself
        when it refers to nothing earlier.
    """

    questions: tuple[str, ...]
    unresolved: tuple[str, ...] = ()


def pronouns(doc: Doc) -> list[Token]:
    """The tokens of `doc` that refer back: personal pronouns, and "there"/"then" used as adverbs (not "is there")."""
    found = []
    for token in doc:
        word = token.lower_
        if word in _PLACE_OR_TIME:
            if token.pos_ == "ADV":
                found.append(token)
        elif word in PRONOUNS and token.pos_ == "PRON":
            found.append(token)
    return found


def resolve_pronouns(doc: Doc, history: Sequence[Turn], nlp: Language) -> Rewrite:
    """`doc`'s question with each pronoun that refers to the conversation replaced by its referent.

    A pronoun after a mention of its kind in the question itself refers to that ("Who did Federer beat in his first
    match?") and is left alone. "she" in a conversation whose passages speak of no woman (only "he", never "she")
    refers to nothing.
    """
    own = mentions(doc)
    referents: dict[frozenset[Kind], list[str]] = {}
    unresolved: list[str] = []
    edits: list[tuple[Token, frozenset[Kind]]] = []
    for token in pronouns(doc):
        kinds = PRONOUNS[token.lower_]
        if _bound(token, own) or kinds in referents:
            continue
        found = _referents(kinds, history, nlp) if _gender_spoken_of(token.lower_, history) else []
        if not found:
            if token.lower_ in PERSONAL:
                unresolved.append(token.text)
            continue
        referents[kinds] = found
        edits.append((token, kinds))
    if not edits:
        return Rewrite((doc.text,), tuple(unresolved))
    first = edits[0][1]
    questions = []
    for referent in referents[first]:  # each reading varies the first pronoun's referent, the others take their best
        replacements = [
            (token, _replacement(token, referent if kinds == first else referents[kinds][0])) for token, kinds in edits
        ]
        questions.append(_rewritten(doc.text, replacements))
    return Rewrite(tuple(dict.fromkeys(questions)), tuple(unresolved))


def _bound(pronoun: Token, own: list[Mention]) -> bool:
    """Whether `pronoun` refers to something before it in its own question: for a possessive, the subject ("Who has
    vowed to strengthen his deterrent?"; an object is not: "Who replaced him?"), else a mention of its kind. Any name
    may be a person's: spaCy's small model labels many people as places or organisations ("Agnes Whitcombe", LOC)."""
    kinds = PRONOUNS[pronoun.lower_]
    subjects = [token for token in pronoun.doc[: pronoun.i] if token.dep_ in SUBJECTS and token.lower_ not in PRONOUNS]
    if subjects and (pronoun.tag_ == "PRP$" or pronoun.lower_ in _POSSESSIVE):
        return True
    return any(
        mention.start < pronoun.idx and (mention.kinds & kinds or (Kind.PERSON in kinds and mention.named))
        for mention in own
    )


def _rewritten(question: str, edits: list[tuple[Token, str]]) -> str:
    for token, text in reversed(edits):  # from the end, so that earlier offsets stay valid
        question = question[: token.idx] + text + question[token.idx + len(token.text) :]
    return question


def _gender_spoken_of(word: str, history: Sequence[Turn]) -> bool:
    """False when the conversation's passages use pronouns of the other gender only: nobody there is a "she"."""
    if word not in _GENDER:
        return True
    contexts = " ".join(turn.context for turn in history)
    other = _GENDER["she" if word in _HE else "he"]
    return bool(_GENDER[word].search(contexts)) or not other.search(contexts)


def _referents(kinds: frozenset[Kind], history: Sequence[Turn], nlp: Language) -> list[str]:
    """The `ALTERNATIVES` most salient distinct referents of `kinds`, a role replaced by its holder's name.

    Where fewer than that are of the right kind, the other names follow, as less likely readings: spaCy's small
    model labels many things wrongly ("Crossrail", a railway, as a person), and the reader can still choose them.
    """
    found: list[str] = []
    candidates = list(_candidates(history, nlp))
    for mention, sentence in candidates:
        if mention.kinds & kinds:
            role_holder = holder(mention, sentence) if not mention.named and Kind.PERSON in kinds else None
            found.append(role_holder or mention.text)
    if found:
        found += [mention.text for mention, _ in candidates if mention.named and mention.kinds != {Kind.TIME}]
    return list(dict.fromkeys(found))[:ALTERNATIVES]


def _candidates(history: Sequence[Turn], nlp: Language) -> Iterator[tuple[Mention, Doc]]:
    """Every earlier mention, most salient first, each with the answer sentence of its turn (for roles)."""
    sentences = [nlp(turn.sentence) for turn in history]
    for turn, sentence in zip(reversed(history), reversed(sentences), strict=True):
        question = nlp(turn.understood)
        answer = None if _identifies(question) else answer_mention(turn, sentence, nlp)
        if answer is not None:
            yield answer, sentence
        for mention in mentions(question):
            yield mention, sentence
    for sentence in reversed(sentences):
        for mention in mentions(sentence):
            if mention.named:
                yield mention, sentence


def _identifies(question: Doc) -> bool:
    """Whether `question` asks who or what a name is ("Who is Sung Kim?"): its answer describes that name ("Biden's
    special envoy"), which stays what the conversation is about."""
    root = next((token for token in question if token.dep_ == "ROOT"), None)
    if root is None or root.lemma_ != "be":
        return False
    return any(token.dep_ in (*SUBJECTS, "attr") for entity in question.ents for token in entity)


def _replacement(token: Token, referent: str) -> str:
    word = token.lower_
    if word in _POSSESSIVE or token.tag_ == "PRP$":
        return f"{referent}'" if referent.endswith("s") else f"{referent}'s"
    if word in _PLACE_OR_TIME and (token.i == 0 or token.nbor(-1).pos_ != "ADP"):
        return f"in {referent}"
    return referent
