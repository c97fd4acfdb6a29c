"""Candidate example questions from an article's opening, of several kinds, each with what a fitting answer shares.

A news article's opening names who and what it is about, and says who they are in the words around the name
("chief executive Richard Parsons", "the Foreign Policy Centre, a think tank,"), quotes them, and gives its figures.
Each kind of question is made only where the opening holds what answers it, and carries those words
(`Candidate.expected`), so that an answer can be checked to be the kind asked for (`fits`), not only confident:

- **quote**: "What did Patricia Hewitt say?" for a person the opening quotes or reports;
- **person**: "Who is Kevin Krewell?" for a person it describes;
- **organisation**: "What is the Foreign Policy Centre?" for an organisation it describes;
- **thing**: "What is PlayStation 3?" for a product, work, event or law it describes;
- **figure**: "Profits rose by how much?": a short sentence with its amount or percentage asked for in place.

Names are cleaned the same general way whatever the article: a possessive "'s" and titles ("Mr", "Dr") are
dropped, a person is named in full (the longest form of their surname the opening uses), and a person's name must
be two or more capitalised words of letters only: no digits, initials or symbols ("Spider-Man 2", "Mr R. Sridharan").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from qa.nlp import HONORIFICS
from qa.readers.rules.quotes import Quote, find_quotes, same_speaker
from qa.readers.rules.speech import NAME_PARTICLES

KINDS = ("quote", "person", "organisation", "thing", "figure")
# Titles before a name, which the question leaves out: "What did Lomax say?" rather than "... Ms Lomax ...".
TITLES = HONORIFICS | frozenset(
    {
        "dame",
        "rev",
        "reverend",
        "rt",
        "hon",
        "st",
    }
)
# The entity labels asked "What is X?", by kind.
_DESCRIBED = {"ORG": "organisation", "PRODUCT": "thing", "WORK_OF_ART": "thing", "EVENT": "thing", "LAW": "thing"}
# The amounts a figure question asks for, with the question words that replace them.
_FIGURES = {"MONEY": "how much", "PERCENT": "by how much"}
# Entities that end a description before a name: "Monday" is not part of "school inspection chief".
_AMOUNTS = frozenset({"DATE", "TIME", "CARDINAL", "ORDINAL", "QUANTITY", "MONEY", "PERCENT"})
# "How much did ...": the verb's tense, by its tag; a subject that needs the sentence before is not asked about.
_DO = {"VBD": "did", "VBZ": "does", "VBP": "do"}
_PRONOUNS = frozenset({"PRP", "PRP$"})
MAX_SUBJECT_WORDS = 8
# Where in its sentence an amount may be asked about in place.
_ASKABLE = frozenset({"dobj", "pobj", "attr", "npadvmod", "nummod", "appos"})
# A figure question is a short sentence: longer ones read as the article copied out, not as a question.
MAX_FIGURE_WORDS = 12
MIN_FIGURE_WORDS = 5
# Words of description around a name: at most this many before it, and in an apposition after it.
MAX_ROLE_WORDS = 4
MAX_APPOSITION_WORDS = 10
# An answer to "What did X say?" is words said, not a name or a fragment; to "Who is X?", a description, not a
# sentence.
MIN_QUOTE_WORDS = 4
MAX_DESCRIPTION_WORDS = 12
# The share of an answer's words that the words it should match must hold: a quote answer is mostly the quote.
MIN_QUOTE_SHARE = 0.5
# An apposition that describes opens with one: "Kevin Krewell, the editor ...", not "Ossie Davis, whose career ...".
_ARTICLES = frozenset({"a", "an", "the"})
_NAME_WORD = re.compile(r"[A-Z][a-z]+(?:[-'][A-Za-z][a-z]+)*")
_POSSESSIVE = re.compile(r"['\u2019]s?$")  # "Kim's", "Bloggers'": straight or curly apostrophe
_WORD = re.compile(r"[\w'\u2019-]+")
_DIGITS = re.compile(r"\d[\d.,]*")


@dataclass(frozen=True)
class Candidate:
    """A question to try as an example, with the words of the opening that answer it.

    :param kind: one of `KINDS`.
    :param subject: who or what it asks about, as the question names it.
    :param expected: the opening's words that answer it (the quotes, the description, the amount): an answer fits
        only if it shares them (`fits`).
    :param shape: the answer's: "quote" (words said), "description" (who or what the subject is) or "figure".
    :param mentions: how often the opening names the subject; the most named are tried first.
    """

    question: str
    kind: str
    subject: str
    expected: tuple[str, ...]
    shape: str = "description"
    mentions: int = 1


def candidates(docs: Sequence[Doc]) -> list[Candidate]:
    """The candidate questions of an article's opening passages (parsed), each kind's most mentioned first.

    Example: an opening that says '"We are open to dialogue," Sung Kim told reporters.' gives the quote candidate
    "What did Sung Kim say?", whose expected words are the quote.
    """
    quotes = [(doc, quote) for doc in docs for quote in find_quotes(doc)]
    people = _named_people(docs)
    found = [*_about_people(people, quotes), *_described(docs, people, quotes), *_figures(docs, quotes)]
    unique = {candidate.question: candidate for candidate in sorted(found, key=lambda c: c.mentions)}
    return sorted(unique.values(), key=lambda candidate: (KINDS.index(candidate.kind), -candidate.mentions))


def fits(candidate: Candidate, answer: str) -> bool:
    """Whether `answer` is the kind of answer `candidate` asks for, in words the opening gives for it.

    A quote answer is four words or more, mostly words of the subject's quotes; a description ("Who is X?") is
    short and shares a word of the description; a figure holds the amount; and no answer is only the question's
    own words (the name asked about).

    Example: `fits(Candidate("Who is Kevin Krewell?", "person", "Kevin Krewell", ("editor in chief",)),
    "the editor in chief of Microprocessor Report")` is True.
    """
    words = _words(answer)
    if not words or words <= _words(candidate.question):
        return False
    if candidate.shape == "quote":
        count = len(_WORD.findall(answer))
        return count >= MIN_QUOTE_WORDS and any(
            len(words & _words(quote)) >= MIN_QUOTE_SHARE * len(words) for quote in candidate.expected
        )
    if candidate.shape == "figure":
        return any(
            number in _DIGITS.findall(answer) for figure in candidate.expected for number in _DIGITS.findall(figure)
        )
    description = set().union(*(_words(words_) for words_ in candidate.expected)) - _words(candidate.question)
    return len(_WORD.findall(answer)) <= MAX_DESCRIPTION_WORDS and bool(words & description)


def person_name(text: str) -> str | None:
    """A PERSON entity's text as a question names the person, or None when it is not a plain name.

    Example: `person_name("Mr Tony Blair's")` is "Tony Blair"; `person_name("Spider-Man 2")` is None.
    """
    words = _POSSESSIVE.sub("", text.strip()).split()
    while words and words[0].lower().rstrip(".") in TITLES:
        words = words[1:]
    if not words or not all(_NAME_WORD.fullmatch(word) or word in NAME_PARTICLES for word in words):
        return None
    return " ".join(words)


def entity_name(entity: Span) -> str | None:
    """An organisation's, product's or work's name as a question gives it: with the "the" the text puts before it,
    without a possessive "'s"; None for text that is not a name (a line break, quote marks, no capital)."""
    text = _POSSESSIVE.sub("", entity.text.strip())
    if not text or not text[0].isupper() or re.search(r'[\n"“”]', text) or len(text.split()) > MAX_ROLE_WORDS + 1:
        return None
    before = entity.doc[entity.start - 1] if entity.start > 0 else None
    if text.lower().startswith("the "):
        text = "the " + text[4:]
    elif before is not None and before.lower_ == "the":
        text = "the " + text
    return text


@dataclass
class _Person:
    """A person the opening names: in full (the longest form of their surname), how often, and where."""

    name: str
    mentions: list[Span]


def _named_people(docs: Sequence[Doc]) -> dict[str, _Person]:
    """The people the opening names, by surname: "Ms Lomax" and "Rachel Lomax" are one person."""
    people: dict[str, _Person] = {}
    for entity in (entity for doc in docs for entity in doc.ents if entity.label_ == "PERSON"):
        name = person_name(entity.text)
        if name is None:
            continue
        person = people.setdefault(name.split()[-1], _Person(name, []))
        person.mentions.append(entity)
        if len(name) > len(person.name):
            person.name = name
    return people


def _about_people(people: dict[str, _Person], quotes: Sequence[tuple[Doc, Quote]]) -> Iterable[Candidate]:
    """Quote and person candidates for the people named in full (a surname alone may be anyone)."""
    for person in people.values():
        name, count = person.name, len(person.mentions)
        if len(name.split()) < 2:
            continue
        said = tuple(doc.text[quote.start : quote.end] for doc, quote in quotes if _said_by(quote, name))
        if said:
            yield Candidate(f"What did {name} say?", "quote", name, said, "quote", count)
        roles = tuple(role for entity in person.mentions if (role := _description(entity)))
        if roles:
            yield Candidate(f"Who is {name}?", "person", name, roles, mentions=count)


def _said_by(quote: Quote, name: str) -> bool:
    return bool(quote.speaker) and same_speaker(name, quote.speaker or "")


def _described(
    docs: Sequence[Doc], people: dict[str, _Person], quotes: Sequence[tuple[Doc, Quote]]
) -> Iterable[Candidate]:
    """ "What is X?" for the organisations and things the opening describes, "What did X say?" for the
    organisations it quotes ("the SEC said"). An "organisation" that is a person's name or starts with a title
    ("Ms Lomax", a misread of the entity recogniser) is left to the people."""
    names = {word for person in people.values() for word in _words(person.name)}
    mentions: Counter[tuple[str, str]] = Counter()
    roles: dict[tuple[str, str], list[str]] = {}
    for entity in (entity for doc in docs for entity in doc.ents if entity.label_ in _DESCRIBED):
        name = entity_name(entity)
        words = _words(name or "") - {"the"}
        if name is None or words <= names or name.split()[-1 if name.startswith("the ") else 0].lower() in TITLES:
            continue
        key = (_DESCRIBED[entity.label_], name)
        mentions[key] += 1
        if role := _description(entity):
            roles.setdefault(key, []).append(role)
    for (kind, name), count in mentions.items():
        said = tuple(
            doc.text[quote.start : quote.end]
            for doc, quote in quotes
            if quote.speaker and _words(quote.speaker) - {"the"} == _words(name) - {"the"}
        )
        if kind == "organisation" and said:
            yield Candidate(f"What did {name} say?", kind, name, said, "quote", count)
        if (kind, name) in roles:
            yield Candidate(f"What is {name}?", kind, name, tuple(roles[kind, name]), mentions=count)


def _description(entity: Span) -> str | None:
    """The words that say who or what `entity` is: lower-case nouns and adjectives just before it ("chief executive
    Richard Parsons", "US media giant TimeWarner"), or an apposition after it ("Kevin Krewell, the editor in chief of
    Microprocessor Report,"); None if there are none."""
    doc = entity.doc
    before: list[Token] = []
    for token in reversed(doc[max(entity.sent.start, entity.start - MAX_ROLE_WORDS) : entity.start]):
        joined = token.text == "-" and not token.whitespace_ and not doc[token.i - 1].whitespace_  # "anti-virus"
        if not joined and (
            token.pos_ not in ("NOUN", "ADJ", "PROPN") or token.lower_ in TITLES or token.ent_type_ in _AMOUNTS
        ):
            break
        before.insert(0, token)
    if any(token.is_lower and token.pos_ == "NOUN" for token in before):
        return doc.text[before[0].idx : entity.start_char].strip()
    if entity.end + 1 < len(doc) and doc[entity.end].text == "," and doc[entity.end + 1].lower_ in _ARTICLES:
        words: list[Token] = []
        for token in doc[entity.end + 1 : min(entity.sent.end, entity.end + 1 + MAX_APPOSITION_WORDS)]:
            if token.text in (",", ".", ";", ")") or token.pos_ in ("VERB", "AUX"):
                break
            words.append(token)
        else:
            return None  # ran on: a clause, not an apposition
        if any(token.is_lower and token.pos_ == "NOUN" for token in words):
            return " ".join(token.text for token in words)
    return None


def _figures(docs: Sequence[Doc], quotes: Sequence[tuple[Doc, Quote]]) -> Iterable[Candidate]:
    """Questions that ask for an amount or a percentage the opening gives outside quotes."""
    for doc in docs:
        quoted = [(quote.start, quote.end) for said_in, quote in quotes if said_in is doc and quote.direct]
        for entity in doc.ents:
            wh = _FIGURES.get(entity.label_)
            if (
                wh is None
                or not _DIGITS.search(entity.text)
                or any(start <= entity.start_char < end for start, end in quoted)
            ):
                continue
            question = _of_subject(entity) or _in_place(entity, wh)
            if question is not None:
                yield Candidate(question, "figure", entity.text, (entity.text,), "figure")


def _of_subject(entity: Span) -> str | None:
    """ "How much did <subject> <verb>?" for an amount that is the object of its verb ("Yukos paid $300m"), "By how
    much ...?" for a change ("Profits jumped 76%", "rose by 2%"); None unless the subject is a short phrase that
    names what it is about (no pronoun) and the verb is in the past or the present."""
    root, doc = entity.root, entity.doc
    verb, by = root.head, root.dep_ == "pobj" and root.head.lower_ == "by"
    if by:
        verb = verb.head
    change = by or (root.dep_ == "npadvmod" and entity.label_ == "PERCENT")
    if not (change or root.dep_ == "dobj") or verb.pos_ != "VERB" or verb.tag_ not in _DO:
        return None
    subjects = [child for child in verb.children if child.dep_ == "nsubj"]
    if len(subjects) != 1 or any(child.dep_ == "neg" for child in verb.children):
        return None
    subject = doc[subjects[0].left_edge.i : subjects[0].right_edge.i + 1]
    if len(subject) > MAX_SUBJECT_WORDS or any(token.tag_ in _PRONOUNS for token in subject) or '"' in subject.text:
        return None
    first = subject[0]
    named = first.pos_ == "PROPN" or first.ent_type_ not in ("", *_AMOUNTS)  # "Yukos", not "Quarterly profits"
    text = subject.text if named else subject.text[0].lower() + subject.text[1:]
    particles = "".join(f" {child.text}" for child in verb.children if child.dep_ == "prt")
    return f"{'By how much' if change else 'How much'} {_DO[verb.tag_]} {text} {verb.lemma_}{particles}?"


def _in_place(entity: Span, wh: str) -> str | None:
    """The entity's sentence with the question words in its place, or None when that reads badly: a long sentence,
    a quote, a pronoun (whose "their shares" needs the sentence before), an amount that is part of a longer phrase or
    one of a list of figures."""
    root, doc, sentence = entity.root, entity.doc, entity.sent
    if root.dep_ not in _ASKABLE or sum(1 for ent in sentence.ents if ent.label_ in _FIGURES) > 1:
        return None
    if any(token.tag_ in _PRONOUNS for token in sentence):
        return None
    if entity.end < len(doc) and (doc[entity.end].ent_type_ or doc[entity.end].text == "("):
        return None  # runs into another entity or a conversion: "$1.13bn (£600m)"
    before = doc.text[sentence.start_char : entity.start_char]
    after = doc.text[entity.end_char : sentence.end_char]
    if '"' in before + after or (before and not before[-1].isspace()):
        return None
    words = before.rstrip().split(" ")
    if wh == "by how much" and words and words[-1].lower() == "by":
        before = " ".join(words[:-1]) + " "
    if not before.strip():
        wh = wh[0].upper() + wh[1:]
    body = re.sub(r"[.!?]+$", "", (before + wh + after).strip()).strip()
    return body + "?" if MIN_FIGURE_WORDS <= len(body.split()) <= MAX_FIGURE_WORDS else None


def _words(text: str) -> set[str]:
    """The words of `text` that carry meaning, case aside: three letters or more, or a number."""
    return {
        _POSSESSIVE.sub("", word.casefold())
        for word in _WORD.findall(text)
        if len(word) >= 3 or any(char.isdigit() for char in word)
    }
