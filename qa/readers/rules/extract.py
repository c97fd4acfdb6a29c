"""Candidate answer spans in one parsed passage, by the kind of question (see `qa.readers.rules.question.Kind`).

Each extractor yields `Found` spans with a score in [0, 1]; `qa.readers.rules.RuleReader` ranks them across
passages. The scores weigh the same few signals throughout: how much of the question the surrounding sentences
hold (`evidence`), whether the span has the expected type, how near it sits to the question's words, and its
syntactic role (an argument of the question's verb, the object of a place preposition).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from qa.readers.rules.evidence import MIN_PROPER_SUPPORT, MIN_SUPPORT, evidence, hits, in_question, matches, support
from qa.readers.rules.question import Kind, Question
from qa.readers.rules.quotes import described_person, find_quotes, same_speaker, title_words

_ANSWER_DEPS = {"dobj", "attr", "oprd", "xcomp", "ccomp", "acomp", "dative", "npadvmod", "pobj", "nsubjpass"}
_AMOUNT_UNIT = re.compile(
    r"\b(?:dollars?|euros?|pounds?|pence|cents?|yen|yuan|rupees?|francs?|crowns?|kron[ae]r?|krona|roubles?|rubles?|"
    r"pesos?|dinars?|shillings?|tonnes?|tons?|kilo(?:gram)?s?|kg|grams?|litres?|liters?|gallons?|barrels?|metres?|"
    r"meters?|miles?|acres?|hectares?)\b",
    re.I,
)
_MAGNITUDES = frozenset(["m", "bn", "k", "mn", "tn"])
_YEAR = re.compile(r"\b(?:1[0-9]|20)\d\d\b")
_BARE_DURATION = re.compile(
    r"(?:about |around |almost |nearly |more than |over |some )?[\w.,-]+(?: and a half)? "
    r"(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?)",
    re.I,
)
_DURATION = re.compile(r"\b(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centur(?:y|ies))\b", re.I)
# A direct quote shorter than this is a phrase quoted inside someone's sentence, not what they said.
_FULL_QUOTE_TOKENS = 4
_LOCATIVE = {"in", "at", "on", "near", "from", "to", "inside", "outside", "across"}


@dataclass(frozen=True)
class Found:
    """A candidate answer: character offsets in the passage, a score in [0, 1], and how it was found."""

    start: int
    end: int
    score: float
    kind: str


def extract(question: Question, doc: Doc) -> Iterable[Found]:
    """The candidate answers to `question` in the passage `doc`."""
    if question.kind is Kind.QUOTE:
        return _quotes(question, doc)
    if question.kind is Kind.DEFINITION:
        return _descriptions(question, doc)
    if question.kind is Kind.ENTITY:
        return _entities(question, doc)  # a typed question gets a typed answer or none
    return list(_phrases(question, doc)) + list(_instances(question, doc)) or _sentences(question, doc)


def _quotes(question: Question, doc: Doc) -> Iterable[Found]:
    """The words attributed to the person or group asked about. A whole quoted sentence is the best answer, then
    reported speech, then a few words quoted inside it ('calling the launches "very regrettable"')."""
    assert question.focus is not None
    person = question.focus if not question.descriptor else None
    if question.descriptor and not question.group:
        person = described_person(doc, question.descriptor)
    for quote in find_quotes(doc):
        if quote.speaker is None or not _said_by(question, person, quote.speaker):
            continue
        words = doc.char_span(quote.start, quote.end, alignment_mode="expand")
        on_topic = support(question.topic, words)[0] if words is not None else 0.0
        fragment = words is not None and len(words) < _FULL_QUOTE_TOKENS
        score = (0.5 if fragment else 0.8) if quote.direct else 0.6
        yield Found(quote.start, quote.end, score + (0.15 * on_topic if question.topic else 0.0), "quote")


def _said_by(question: Question, person: str | None, speaker: str) -> bool:
    """Whether `speaker` is who the question asks about: the person, or a group or role named by the question's
    words ("analysts", "the Japanese militaries", "the spokesman"), every one of them, when no person fits."""
    if person is not None and same_speaker(person, speaker):
        return True
    said = {word.removesuffix("'s").removesuffix("s") for word in speaker.lower().split()}
    return bool(question.descriptor) and all(word.removesuffix("s") in said for word in question.descriptor)


def mentions(doc: Doc, name: str) -> bool:
    return any(same_speaker(name, ent.text) for ent in doc.ents) or name.lower() in doc.text.lower()


def _descriptions(question: Question, doc: Doc) -> Iterable[Found]:
    """What the text calls the person or thing asked about: an appositive, a title before the name."""
    assert question.focus is not None
    for mention in _mentions_of(doc, question.focus):
        root = mention.root
        described: Span | None = None
        score = 0.0
        if root.dep_ == "appos" and root.head.pos_ in ("NOUN", "PROPN"):
            head = root.head
            described = _without(head, mention, root)
            score = 0.85
        elif any(child.dep_ == "appos" for child in root.children):
            appos = next(child for child in root.children if child.dep_ == "appos")
            described = doc[appos.left_edge.i : appos.right_edge.i + 1]
            score = 0.8
        else:
            described = (
                _comma_description(doc, mention)
                or _title_before(doc, mention)
                or _title_inside(mention, question.focus)
            )
            score = 0.7
        if described is not None and any(token.pos_ in ("NOUN", "PROPN", "ADJ") for token in described):
            yield Found(described.start_char, described.end_char, score, "description")
        clause = next((child for child in root.children if child.dep_ == "relcl"), None)
        if clause is not None and clause.left_edge.lower_ in ("who", "whose"):  # "X, who chairs the committee,"
            words = doc[clause.left_edge.i + 1 : clause.right_edge.i + 1]
            yield Found(words.start_char, words.end_char, 0.6, "description")


def _mentions_of(doc: Doc, name: str) -> list[Span]:
    people = [ent for ent in doc.ents if same_speaker(name, ent.text)]
    return people


def _without(head: Token, mention: Span, appos: Token) -> Span | None:
    """The phrase headed by `head`, up to (not including) the appositive name."""
    doc = head.doc
    start = head.left_edge.i
    end = head.i + 1
    for child in head.rights:
        if child.i >= appos.left_edge.i or child.dep_ in ("punct", "appos", "relcl"):
            break
        end = child.right_edge.i + 1
    span = doc[start:end]
    return None if span.start <= mention.start < span.end else span


def _comma_description(doc: Doc, mention: Span) -> Span | None:
    """ "US Representative for North Korea, Sung Kim speaks ...": a phrase before ", NAME" opening the sentence."""
    sentence = mention.sent
    before = doc[sentence.start : mention.start]
    if len(before) < 2 or before[-1].text != ",":
        return None
    phrase = doc[sentence.start : mention.start - 1]
    if "," in phrase.text or not any(token.pos_ in ("NOUN", "PROPN") for token in phrase):
        return None
    if phrase[0].pos_ in ("ADP", "CCONJ", "SCONJ", "ADV") or any(token.pos_ == "VERB" for token in phrase):
        return None  # "And at last week's Grand Prix, Claxton left ...": when and where, not who
    return phrase


def _title_inside(mention: Span, name: str) -> Span | None:
    """ "Councillor Martin Oduya" tagged as one name: the words before the name asked about."""
    asked = {word.lower() for word in name.split()}
    start = mention.start
    while start < mention.end and mention.doc[start].lower_ not in asked:
        start += 1
    return mention.doc[mention.start : start] if mention.start < start < mention.end else None


def _title_before(doc: Doc, mention: Span) -> Span | None:
    """ "North Korean leader Kim Jong Un": the words of the name's noun phrase before the name."""
    start = mention.start
    while start > mention.sent.start:
        token = doc[start - 1]
        if token.dep_ not in ("compound", "amod", "nmod", "poss", "case", "det") or not (
            start <= token.head.i < mention.end
        ):
            break
        start -= 1
    while start < mention.start and (doc[start].dep_ in ("det", "case") or doc[start].ent_type_ == "PERSON"):
        start += 1
    if start == mention.start:
        return None
    return doc[start : mention.start]


def _entities(question: Question, doc: Doc) -> Iterable[Found]:
    """Entities of the expected type, scored by how much of the question their sentence holds and how near."""
    for sentence in doc.sents:
        share = evidence(question, sentence, relaxed=True)
        if share < MIN_SUPPORT / 2:
            continue
        strict = evidence(question, sentence) > 0
        asked = hits(question, sentence)
        for entity in [*sentence.ents, *_unlabelled_numbers(sentence)]:
            # A person the question names is not its answer: "Who did Marsh beat?" is not "Teodora Marsh".
            repeats = 0.5 if entity.label_ == "PERSON" else 0.99
            if entity.label_ not in question.answer_types or in_question(question, entity, repeats):
                continue
            if question.descriptor and not set(question.descriptor) <= title_words(entity):
                continue  # "Who is the president of South Korea?": the one called that, not whoever is near
            if not strict and not _linked(question, entity):
                continue  # little of what is asked is here, and the entity is not attached to what is
            span = _with_unit(entity)
            if question.measure and not _measures(span, question.measure):
                continue
            type_fit = (
                (1.0, 0.8)[question.answer_types.index(entity.label_)]
                if entity.label_ in question.answer_types[:2]
                else 0.4
            )
            score = 0.4 * share + 0.3 * type_fit + 0.1 * _nearness(entity, asked) + 0.2 * _role(question, entity)
            yield Found(span.start_char, span.end_char, score + _counts(question, entity), "entity")


def _measures(span: Span, measure: str) -> bool:
    """Whether `span` can be a duration ("30 months", not "2027" nor "3,500 years old"), an age ("54", "3,500 years
    old", not "1994", the year something was built), an amount ("48 million euros", not "two"), or a moment
    ("June 3", "in three weeks", not "six years", the length of a sentence)."""
    text = span.text
    if measure == "duration":
        return bool(_DURATION.search(text)) and not text.endswith(" old")
    if measure == "age":
        return bool(re.search(r"\d|\bold\b", text)) and not _YEAR.search(text)
    if measure == "amount":  # "48 million euros" is a CARDINAL to spaCy; "14 pieces" is no amount
        counted = bool(re.search(r"\d", text)) or any(token.like_num for token in span)  # not "as much as"
        return counted and (span.label_ in ("MONEY", "PERCENT", "QUANTITY") or bool(_AMOUNT_UNIT.search(text)))
    if not _BARE_DURATION.fullmatch(text):
        return True
    doc = span.doc
    before = doc[span.start - 1].lower_ if span.start > 0 else ""
    after = doc[span.end].lower_ if span.end < len(doc) else ""
    return before in ("in", "within", "after", "for") or after in ("ago", "later", "earlier", "before", "after")


def _unlabelled_numbers(sentence: Span) -> list[Span]:
    """Numbers the entity recogniser missed ("more than 900 homes"), as CARDINAL spans with their "more than"."""
    doc = sentence.doc
    numbers = []
    for token in sentence:
        if not token.like_num or token.ent_type_ or (token.i + 1 < sentence.end and doc[token.i + 1].like_num):
            continue
        start = token.i
        while start > sentence.start and doc[start - 1].head.i == token.i and not doc[start - 1].ent_type_:
            if doc[start - 1].dep_ not in ("quantmod", "advmod", "amod"):
                break
            start -= 1
        numbers.append(Span(doc, start, token.i + 1, label="CARDINAL"))
    return numbers


def _counts(question: Question, entity: Span) -> float:
    """For "How many homes ...?": a number of homes scores higher, a number of something else lower."""
    if question.counted is None:
        return 0.0
    counted = entity.root.head if entity.root.head.pos_ == "NOUN" else None
    if counted is None or counted.i < entity.end - 1:
        return 0.0
    return 0.15 if counted.lemma_.lower() == question.counted else -0.15


def _linked(question: Question, entity: Span) -> bool:
    """Whether the entity hangs (within two steps of the parse) from one of the question's own words: "18 September"
    in "before its next meeting on 18 September" for "When is the next policy meeting?"."""
    head = entity.root.head
    for _ in range(2):
        if any(matches(term, head) for term in question.terms if not term.proper):
            return True
        head = head.head
    return False


def _with_unit(entity: Span) -> Span:
    """A number with its unit: "120 million" + "euros", "14" + "stops", "£" + "2.3" + "m"."""
    doc = entity.doc
    start, end = entity.start, entity.end
    if entity.label_ not in ("CARDINAL", "MONEY", "QUANTITY"):
        return entity
    if start > 0 and doc[start - 1].is_currency and not doc[start - 1].whitespace_:
        start -= 1
    if end < len(doc) and doc[end].lower_ in _MAGNITUDES and not doc[end - 1].whitespace_:
        end += 1
    if end < len(doc) and doc[end].pos_ == "NOUN" and entity.root.head.i == end:
        end += 1
    return entity if (start, end) == (entity.start, entity.end) else Span(doc, start, end, label=entity.label_)


def _phrases(question: Question, doc: Doc) -> Iterable[Found]:
    """The argument of the question's verb that the question does not already fill."""
    for sentence in doc.sents:
        share = evidence(question, sentence)
        if share < MIN_SUPPORT:
            continue
        for verb in sentence:
            if verb.pos_ not in ("VERB", "AUX") or verb.lemma_.lower() not in question.verbs:
                continue
            for argument in _arguments(question, verb):
                span = _phrase_span(argument)
                if span is None or in_question(question, span, threshold=0.5):
                    continue
                quoted = 0.1 if _quoted(span) else 0.0
                yield Found(span.start_char, span.end_char, 0.45 + 0.4 * share + quoted, "phrase")


def _instances(question: Question, doc: Doc) -> Iterable[Found]:
    """ "Which crops ...?": a phrase that names instances of the crops, "Maize and sunflower crops"."""
    if question.wh_noun is None:
        return
    for sentence in doc.sents:
        share = support(question.terms, sentence, question.given)[0]
        for token in sentence:
            if token.lemma_.lower() != question.wh_noun or token.pos_ != "NOUN":
                continue
            first = token.head if token.dep_ == "conj" else token  # "Maize and sunflower crops"
            span = doc[first.left_edge.i : token.i + 1]
            if any(t.pos_ in ("PROPN", "NOUN") and t.i != token.i for t in span):
                yield Found(span.start_char, span.end_char, 0.4 + 0.4 * share, "instance")


def _arguments(question: Question, verb: Token) -> Iterable[Token]:
    for child in verb.children:
        if question.asks_subject:
            if child.dep_ in ("nsubj", "nsubjpass"):
                yield child
        elif question.stranded_preposition:
            if child.dep_ == "prep" and child.lower_ == question.stranded_preposition:
                yield from (grandchild for grandchild in child.children if grandchild.dep_ == "pobj")
        elif child.dep_ in _ANSWER_DEPS:
            yield child
        elif child.dep_ == "xcomp":
            yield from (grandchild for grandchild in child.children if grandchild.dep_ in ("dobj", "attr"))


def _phrase_span(token: Token) -> Span | None:
    """The noun phrase of `token`, or its whole subtree for a clause; quotes kept whole."""
    doc = token.doc
    if token.pos_ in ("NOUN", "PROPN", "PRON", "NUM"):
        for chunk in doc.noun_chunks:
            if chunk.start <= token.i < chunk.end:
                return chunk
    span = doc[token.left_edge.i : token.right_edge.i + 1]
    while len(span) > 1 and (span[-1].is_punct and span[-1].text != '"'):
        span = span[:-1]
    if len(span) > 1 and span[0].text == '"' and span[-1].text != '"':
        span = span[1:]
    return span if len(span.text) > 1 else None


def _quoted(span: Span) -> bool:
    doc = span.doc
    return (span.start > 0 and doc[span.start - 1].text == '"') or span.text.startswith('"')


def _sentences(question: Question, doc: Doc) -> Iterable[Found]:
    """The fallback: a whole sentence that holds most of the question's words."""
    for sentence in doc.sents:
        share, proper = support(question.terms, sentence, question.given)
        if share >= 0.6 and proper >= MIN_PROPER_SUPPORT:
            yield Found(sentence.start_char, sentence.end_char, 0.25 + 0.4 * share, "sentence")


def _nearness(entity: Span, hits: list[int]) -> float:
    if not hits:
        return 0.0
    distance = min(min(abs(i - entity.start), abs(i - (entity.end - 1))) for i in hits)
    return 1.0 / (1.0 + distance / 4)


def _role(question: Question, entity: Span) -> float:
    """Syntax: an entity that is an argument of a question verb, or the object of a place/time preposition."""
    root = entity.root
    while (
        root.dep_ == "appos" and root.head.i != root.i
    ):  # "by a manufacturer, Kerrow Components,": the manufacturer's role
        root = root.head
    head = root.head
    if head.lemma_.lower() in question.verbs and root.dep_ in ("nsubj", "dobj", "nsubjpass", "npadvmod"):
        return 1.0
    if root.dep_ == "pobj" and (head.lower_ in _LOCATIVE or head.head.lemma_.lower() in question.verbs):
        return 1.0
    if root.dep_ == "pobj" and head.dep_ == "agent":  # "supplied by Kerrow Components"
        return 1.0
    if root.dep_ in ("compound", "amod", "nmod", "poss"):
        return -0.5
    return 0.0
