"""What a question asks for: its kind, the answer type it expects, and the words a supporting passage must share.

The rule-based reader decides what to extract from this analysis, so it is the one place that knows English
question forms ("What did X say?", "Who is X?", "How many ...?").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Literal

from spacy.language import Language
from spacy.tokens import Doc, Token

from qa.readers.rules.speech import NAME_PARTICLES, SPEECH_FORMS

_SAY_QUESTION = re.compile(
    rf"^\s*what\s+(?:did|does|do|has|have|had|will|would|is|was)\s+(?P<speaker>.+?)\s+(?:(?:have\s+)?to\s+)?"
    rf"(?P<verb>{SPEECH_FORMS})\b(?P<rest>.*)$",
    re.IGNORECASE,
)
_QUOTED_AS = re.compile(
    r"^\s*what\s+(?:was|were|is|are)\s+(?P<speaker>.+?)\s+quoted\s+as\s+saying\b(?P<rest>.*)$", re.I
)
_DEFINITION = re.compile(r"^\s*who\s+(?:is|was|'s)\s+(?P<entity>.+?)\s*[?.!]*\s*$", re.IGNORECASE)
_WH_WORDS = frozenset(["who", "whom", "whose", "what", "which", "when", "where", "why", "how"])
# Words that say nothing about which passage holds the answer.
_LIGHT = frozenset(
    [
        "be",
        "do",
        "have",
        "get",
        "make",
        "go",
        "take",
        "say",
        "tell",
        "please",
        "know",
        "think",
        "give",
        "happen",
        "mean",
        "thing",
        "way",
        "kind",
        "lot",
        "also",
        "ever",
        "even",
    ]
)

_HOW_MEASURE = re.compile(r"^\s*(?:how\s+(long|old|much)|(when))\b", re.I)
_MEASURES: dict[str, Literal["duration", "age", "moment", "amount"]] = {
    "long": "duration",
    "old": "age",
    "when": "moment",
    "much": "amount",
}
# Answer types are spaCy entity labels; the first one listed is the most typical.
_TYPES_BY_PHRASE: list[tuple[re.Pattern[str], tuple[str, ...]]] = [
    (re.compile(r"^\s*how\s+many\b", re.I), ("CARDINAL", "QUANTITY", "MONEY", "PERCENT")),
    (re.compile(r"^\s*how\s+much\b", re.I), ("MONEY", "QUANTITY", "PERCENT", "CARDINAL")),
    (re.compile(r"^\s*how\s+(?:long|often)\b", re.I), ("DATE", "TIME", "QUANTITY", "CARDINAL")),
    (re.compile(r"^\s*how\s+(?:old)\b", re.I), ("DATE", "CARDINAL")),
    (re.compile(r"^\s*how\s+(?:far|big|large|high|tall|heavy)\b", re.I), ("QUANTITY", "CARDINAL")),
    (
        re.compile(r"^\s*(?:when|what\s+(?:year|date|day|month|time)|which\s+(?:year|date|day|month))\b", re.I),
        ("DATE", "TIME"),
    ),
    (
        re.compile(r"^\s*(?:where|what\s+(?:country|city|place)|which\s+(?:country|city|place))\b", re.I),
        ("GPE", "LOC", "FAC", "ORG"),
    ),
    (re.compile(r"^\s*what\s+(?:percentage|percent|share)\b", re.I), ("PERCENT",)),
    (
        re.compile(r"^\s*(?:who|whom|which\s+(?:person|man|woman|official|leader))\b", re.I),
        ("PERSON", "ORG", "NORP", "GPE"),
    ),
    (
        re.compile(r"^\s*(?:which|what)\s+(?:company|organisation|organization|group|party|agency|firm)\b", re.I),
        ("ORG", "PERSON"),  # the small English model often tags firms ("Westmara Ferries") as people
    ),
]


class Kind(Enum):
    """How the reader goes about answering."""

    QUOTE = "quote"  # What did X say / tell reporters / warn?
    DEFINITION = "definition"  # Who is X?
    ENTITY = "entity"  # who / when / where / how many ...: a typed short span
    PHRASE = "phrase"  # what / which ...: an argument of the question's verb
    REASON = "reason"  # why / how: a clause or a sentence


@dataclass(frozen=True)
class Term:
    """A question word that a supporting passage should contain."""

    text: str
    lemma: str
    weight: float
    proper: bool


@dataclass(frozen=True)
class Question:
    """The analysis of one question.

    :param focus: the speaker of a quote question or the entity of a definition question.
    :param answer_types: spaCy entity labels an answer may have, most typical first (ENTITY questions).
    :param verbs: lemmas of the question's content verbs (PHRASE questions look for their arguments).
    :param stranded_preposition: "of" in "What has North Korea accused Seoul of?": the answer is its object.
    :param descriptor: the role that picks out the speaker of a quote question ("the Brightwave boss") or the
        answer of a role question ("Who is the Prime Minister of Japan?"), head noun first.
    :param measure: "How long?" wants a duration, "How old?" an age, "When?" a moment, "How much?" an amount; none
        is any date or number.
    :param counted: the lemma of what "How many homes ...?" counts.
    :param group: the quote question's role names many ("analysts", "the militaries"): no one person stands for it.
    :param given: lemmas of the question's names that the article being read holds somewhere (set per article
        by the reader), so a passage that says "the line" still supports "When will the Eastline open?".
    """

    text: str
    kind: Kind
    terms: tuple[Term, ...]
    focus: str | None = None
    answer_types: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ()
    stranded_preposition: str | None = None
    topic: tuple[Term, ...] = field(default=())
    asks_subject: bool = False
    measure: Literal["duration", "age", "moment", "amount"] | None = None
    counted: str | None = None
    wh_noun: str | None = None
    descriptor: tuple[str, ...] = ()
    group: bool = False
    given: frozenset[str] = frozenset()


def analyse(question: str, nlp: Language) -> Question:
    """Analyse `question` with a spaCy pipeline (tagger, parser and lemmatizer needed).

    Example::

        >>> analyse("What did Sung Kim tell reporters?", nlp).focus
        'Sung Kim'
    """
    text = question.strip()
    doc = nlp(text)
    wh_noun = _wh_noun(doc)
    terms = tuple(term for term in _terms(doc) if term.lemma != wh_noun)
    say = _QUOTED_AS.match(text) or _SAY_QUESTION.match(text)
    if say:
        phrase = say.group("speaker").strip()
        speaker = _person_in(phrase, doc)
        speaker_words = {word.lower() for word in re.findall(r"\w+", speaker)}
        topic = tuple(term for term in terms if term.text.lower() not in speaker_words and term.lemma != "reporter")
        descriptor, group = ((), False) if speaker != phrase or _is_name(phrase) else _descriptor(phrase, nlp)
        return Question(text, Kind.QUOTE, terms, focus=speaker, topic=topic, descriptor=descriptor, group=group)
    definition = _DEFINITION.match(text)
    if definition and _is_name(definition.group("entity").strip()):  # not "Who is the MP for Brindleford?"
        return Question(text, Kind.DEFINITION, terms, focus=definition.group("entity").strip())
    for pattern, types in _TYPES_BY_PHRASE:
        if pattern.match(text):
            how = _HOW_MEASURE.match(text)
            measure = _MEASURES[(how.group(1) or how.group(2)).lower()] if how else None
            role = _descriptor(definition.group("entity"), nlp)[0] if definition else ()
            return Question(
                text,
                Kind.ENTITY,
                terms,
                answer_types=types,
                verbs=_verbs(doc),
                measure=measure,
                counted=_counted(doc),
                descriptor=role,
            )
    first = doc[0].lower_ if len(doc) else ""
    if first in ("why", "how"):
        return Question(text, Kind.REASON, terms, verbs=_verbs(doc))
    return Question(
        text,
        Kind.PHRASE,
        terms,
        verbs=_verbs(doc),
        stranded_preposition=_stranded_preposition(doc),
        asks_subject=_asks_subject(doc),
        wh_noun=wh_noun,
    )


def _person_in(phrase: str, doc: Doc) -> str:
    """The name heading a speaker phrase ("council leader Tom Reyes" -> "Tom Reyes"), or the phrase itself (not
    "Brightwave" in "the Brightwave boss")."""
    people = [ent.text for ent in doc.ents if ent.label_ == "PERSON" and phrase.endswith(ent.text)]
    return people[0] if people else phrase


def _is_name(phrase: str) -> bool:
    """ "Anneke de Vries", "Kishida": capitalised words (name particles allowed), no article."""
    words = phrase.split()
    return bool(words) and words[0][:1].isupper() and all(w[:1].isupper() or w in NAME_PARTICLES for w in words)


def _descriptor(phrase: str, nlp: Language) -> tuple[tuple[str, ...], bool]:
    """The words that pick a person out by role: "the Brightwave boss" -> ("boss", "brightwave"); the head noun
    first, then its modifiers ("Prime" in "the Prime Minister" matters: an Agriculture Minister is not it); and
    whether the head noun is plural (a group: "analysts")."""
    doc = nlp(phrase)
    head = next((token for token in doc if token.head.i == token.i), None)
    if head is None or head.pos_ not in ("NOUN", "PROPN"):
        return (), False
    # A possessor is left out: "the union's regional secretary" is introduced as "UCLA's regional secretary".
    modifiers = [token.lower_ for token in head.lefts if token.dep_ in ("compound", "amod", "nmod")]
    # What the role is of or for: "the Prime Minister of Japan" is "Japan's Prime Minister", "the MP for Brindleford".
    for preposition in (child for child in head.rights if child.dep_ == "prep" and child.lower_ in ("of", "for")):
        for place in (child for child in preposition.children if child.dep_ == "pobj"):
            modifiers += [token.lower_ for token in place.lefts if token.dep_ == "compound"] + [place.lower_]
    return (head.lower_, *[re.sub(r"'s$", "", word) for word in modifiers]), head.tag_ in ("NNS", "NNPS")


def _terms(doc: Doc) -> list[Term]:
    """Content words, weighted: names and numbers matter most, then nouns, then verbs and adjectives."""
    weights = {"PROPN": 2.0, "NUM": 2.0, "NOUN": 1.5, "VERB": 1.0, "ADJ": 1.0, "ADV": 0.5}
    terms = []
    for token in doc:
        lemma = token.lemma_.lower()
        if (
            token.pos_ not in weights
            or token.is_stop
            or token.lower_ in _WH_WORDS
            or lemma in _LIGHT
            or not any(c.isalnum() for c in token.text)
        ):
            continue
        terms.append(Term(token.text, lemma, weights[token.pos_], token.pos_ in ("PROPN", "NUM")))
    return terms


def _verbs(doc: Doc) -> tuple[str, ...]:
    return tuple(token.lemma_.lower() for token in doc if token.pos_ == "VERB" and token.lemma_.lower() not in _LIGHT)


def _counted(doc: Doc) -> str | None:
    """ "home" in "How many homes were flooded?"."""
    if len(doc) > 2 and doc[0].lower_ == "how" and doc[1].lower_ in ("many", "much") and doc[2].pos_ == "NOUN":
        return doc[2].lemma_.lower()
    return None


def _wh_noun(doc: Doc) -> str | None:
    """The noun a "which"/"what" asks about: "crop" in "Which crops have suffered most?"."""
    if len(doc) > 1 and doc[0].lower_ in ("which", "what") and doc[1].pos_ == "NOUN":
        return doc[1].lemma_.lower()
    return None


def _asks_subject(doc: Doc) -> bool:
    """ "Which crops have suffered most?": the wh-phrase is the subject, so the answer is the verb's subject."""
    wh = next((token for token in doc if token.lower_ in ("what", "which")), None)
    if wh is None:
        return False
    phrase_head = wh.head if wh.dep_ == "det" else wh
    if wh.i + 1 < len(doc) and doc[wh.i + 1].dep_ in ("nsubj", "nsubjpass"):
        phrase_head = doc[wh.i + 1]
    return phrase_head.dep_ in ("nsubj", "nsubjpass")


def _stranded_preposition(doc: Doc) -> str | None:
    """The preposition left without an object at the end of the question, if any."""
    tokens = [token for token in doc if not token.is_punct]
    last: Token | None = tokens[-1] if tokens else None
    if last is not None and last.dep_ == "prep" and not any(child.dep_ == "pobj" for child in last.children):
        return last.lower_
    return None
