"""Training questions generated from news articles, so that the reader learns the questions users ask of news.

SQuAD teaches span extraction on Wikipedia; users of this bot ask news questions, quote questions above all
("What did the Chelsea manager say about Duff's injury?"), which SQuAD barely has. This module writes such questions
from the BBC corpus, with the project's own quote attribution (`qa.readers.rules.quotes`, precise when the speaker
is named) and spaCy's entities, in three kinds:

- **quote**: a named speaker's quoted words, asked in varied wordings ("What did X say about <topic>?", "How did
  the <role> explain ...?"); the answer is the quote's first sentence;
- **entity**: a sentence with its person, organisation, place, date, number or amount turned into the question
  word in place ("Profits rose to how much in 2004?", "Who resigned as UKIP's candidate?");
- **unanswerable**: a quote question about someone the article names but never quotes, and any question read with
  the passage of another article that shares the most words with it (the retrieval mistake the reader must catch).

Only `business` and `sport` may feed training (`TRAINING_FOLDERS`); the other three folders stay unseen, to
measure what carries over. Every tenth article of each folder (`is_validation`) is kept for validation. The
output is deterministic for a seed and is not stored: training regenerates it (about a minute).
"""

from __future__ import annotations

import heapq
import math
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from spacy.tokens import Doc, Span

from qa.evaluation.squad import SquadExample
from qa.index.passages import PassageSplitter
from qa.ingest.read import read_file
from qa.readers.rules.quotes import Quote, find_quotes

TRAINING_FOLDERS = ("business", "sport")
QUOTES_PER_ARTICLE = 4
ENTITIES_PER_ARTICLE = 3
# A quote answer ends at its first sentence and at most this many characters: short enough for the span model
# (30 tokens), and what users expect as "what he said".
MAX_QUOTE_CHARS = 180

_QUOTE_TEMPLATES = (
    "What did {speaker} say about {topic}?",
    "What did {speaker} say?",
    "How did {speaker} describe {topic}?",
    "What did {speaker} tell reporters about {topic}?",
    "What was {speaker}'s view of {topic}?",
    "How did {speaker} explain {topic}?",
    "What did {speaker} say when asked about {topic}?",
    "What did {speaker} think of {topic}?",
    "How did {speaker} react to {topic}?",
    "What comment did {speaker} make on {topic}?",
    "What did {speaker} tell the BBC?",
    "According to {speaker}, what about {topic}?",
)
# The question words for an entity label, in place of the entity.
_WH = {
    "PERSON": "who",
    "ORG": "which organisation",
    "GPE": "where",
    "LOC": "where",
    "DATE": "when",
    "MONEY": "how much",
    "PERCENT": "by how much",
    "CARDINAL": "how many",
    "QUANTITY": "how much",
}
# Prepositions that the question word absorbs: "in London" -> "where", "on Monday" -> "when".
_ABSORBED = {
    "where": ("in", "at", "from", "to"),
    "when": ("in", "on", "at", "by", "since", "until"),
    "by how much": ("by",),
}
# Where in its sentence an entity may be asked about: as a subject, an object, or after a preposition.
_ASKABLE = frozenset({"nsubj", "nsubjpass", "dobj", "pobj", "attr", "npadvmod", "appos", "nummod", "conj"})
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
_WORD = re.compile(r"[a-z0-9]{4,}")


@dataclass(frozen=True)
class NewsPassage:
    """A passage of a training article, as the index would cut it, with its parse."""

    article: str  # "business/083.txt"
    text: str
    doc: Doc


def is_validation(article: str) -> bool:
    """Whether an article is kept out of training for validation: every tenth file of its folder by number."""
    digits = re.sub(r"\D", "", Path(article).stem)
    return bool(digits) and int(digits) % 10 == 0


def generate(
    corpus: str | Path, seed: int = 42, validation: bool = False, limit: int | None = None
) -> list[SquadExample]:
    """Generated questions over the training folders of a BBC-style corpus (one sub-folder per section).

    :param validation: the validation articles' questions instead of the training articles'.
    :param limit: read only the first `limit` articles of the split (quick runs and tests).
    :raises FileNotFoundError: if the corpus has none of `TRAINING_FOLDERS`.
    """
    passages = list(read_passages(corpus, validation, limit))
    rng = random.Random(seed)
    by_article: dict[str, list[NewsPassage]] = defaultdict(list)
    for passage in passages:
        by_article[passage.article].append(passage)
    answerable: list[SquadExample] = []
    unanswerable: list[SquadExample] = []
    for own in by_article.values():
        answerable += _take(rng, list(quote_questions(own, rng)), QUOTES_PER_ARTICLE)
        answerable += _take(rng, list(entity_questions(own)), ENTITIES_PER_ARTICLE)
        unanswerable += _take(rng, list(unquoted_questions(own, rng)), 1)
    others = OtherPassages(passages)
    for example in rng.sample(answerable, len(answerable) // 3):
        other = others.closest(example)
        if other is not None:
            unanswerable.append(
                replace(
                    example,
                    id=f"{example.id}-other",
                    context=other.text,
                    answers=(),
                    answer_start=-1,
                    kind="other article",
                )
            )
    return sorted(answerable + unanswerable, key=lambda example: example.id)


def read_passages(corpus: str | Path, validation: bool = False, limit: int | None = None) -> Iterator[NewsPassage]:
    """The passages of the training folders' articles (or of the validation articles), parsed, in file order."""
    from qa.nlp import SPACY_LOCK, load_spacy

    root = Path(corpus)
    folders = [root / folder for folder in TRAINING_FOLDERS if (root / folder).is_dir()]
    if not folders:
        raise FileNotFoundError(f"{root} has none of the folders {', '.join(TRAINING_FOLDERS)}.")
    files = [path for folder in folders for path in sorted(folder.glob("*.txt"))]
    files = [path for path in files if is_validation(path.name) == validation][:limit]
    splitter = PassageSplitter()
    texts: list[tuple[str, str]] = []
    for path in files:
        name = path.relative_to(root).as_posix()
        for article in read_file(path, name).articles:
            texts += [(name, document.content or "") for document in splitter.split(article)]
    nlp = load_spacy()
    with SPACY_LOCK:
        docs = nlp.pipe((text for _, text in texts), batch_size=64)
        for (name, text), doc in zip(texts, docs, strict=True):
            yield NewsPassage(name, text, doc)


def quote_questions(passages: Sequence[NewsPassage], rng: random.Random) -> Iterator[SquadExample]:
    """Questions about the quotes of one article whose speaker is named, answered by the quote's first sentence."""
    for number, passage in enumerate(passages):
        for position, quote in enumerate(find_quotes(passage.doc)):
            speaker = _named(passage.doc, quote)
            if speaker is None or not quote.direct:
                continue
            start, end = _first_sentence(passage.text, quote)
            if end - start < 12:
                continue
            question = _quote_question(passage.doc, speaker, quote, rng)
            yield _example(passage, f"{number}-q{position}", question, start, end, "quote")


def unquoted_questions(passages: Sequence[NewsPassage], rng: random.Random) -> Iterator[SquadExample]:
    """Quote questions about people a passage names but the article never quotes: there is nothing to answer."""
    speakers = {_last_word(quote.speaker or "") for passage in passages for quote in find_quotes(passage.doc)}
    for number, passage in enumerate(passages):
        if not any(quote.direct for quote in find_quotes(passage.doc)):
            continue  # a passage with somebody's quotes in it: the hard case
        for person in _people(passage.doc):
            if _last_word(person.text) not in speakers and len(person.text.split()) > 1:
                question = rng.choice(_QUOTE_TEMPLATES).format(speaker=person.text, topic=_topic(passage.doc, rng))
                yield SquadExample(
                    f"{passage.article}-{number}-u{person.start}",
                    passage.article,
                    question,
                    passage.text,
                    (),
                    -1,
                    "unquoted person",
                )


def entity_questions(passages: Sequence[NewsPassage]) -> Iterator[SquadExample]:
    """Questions that ask for an entity of a sentence outside quotes, with the question word in its place (every
    candidate: the caller samples)."""
    for number, passage in enumerate(passages):
        quoted = [(quote.start, quote.end) for quote in find_quotes(passage.doc)]
        for entity in passage.doc.ents:
            wh = _WH.get(entity.label_)
            if wh is None or any(start <= entity.start_char < end for start, end in quoted):
                continue
            question = _entity_question(entity, wh)
            if question is not None:
                start, end = entity.start_char, entity.end_char
                yield _example(passage, f"{number}-e{entity.start}", question, start, end, "entity")


class OtherPassages:
    """For a question, the passage of another article that shares the most rare words with it."""

    def __init__(self, passages: Sequence[NewsPassage]) -> None:
        self.passages = list(passages)
        self.postings: dict[str, list[int]] = defaultdict(list)
        for number, passage in enumerate(self.passages):
            for word in set(_WORD.findall(passage.text.lower())):
                self.postings[word].append(number)
        self.total = len(self.passages)

    def closest(self, example: SquadExample) -> NewsPassage | None:
        """The best-sharing passage of another article that holds neither the answer nor the speaker's name."""
        scores: defaultdict[int, float] = defaultdict(float)
        for word in set(_WORD.findall(example.question.lower())):
            holders = self.postings.get(word, [])
            weight = math.log(1 + self.total / (1 + len(holders)))
            for number in holders:
                scores[number] += weight
        banned = [answer.lower() for answer in example.answers] + _capitalised(example.question)
        for number in heapq.nlargest(50, scores, key=scores.__getitem__):
            passage = self.passages[number]
            if passage.article != example.title and not any(word in passage.text.lower() for word in banned):
                return passage
        return None


def _example(passage: NewsPassage, suffix: str, question: str, start: int, end: int, kind: str) -> SquadExample:
    answer = passage.text[start:end]
    return SquadExample(f"{passage.article}-{suffix}", passage.article, question, passage.text, (answer,), start, kind)


def _take(rng: random.Random, examples: list[SquadExample], count: int) -> list[SquadExample]:
    return rng.sample(examples, min(count, len(examples)))


def _named(doc: Doc, quote: Quote) -> str | None:
    """The full name of a quote's speaker as the passage gives it, if it is a named person."""
    if not quote.speaker:
        return None
    last = _last_word(quote.speaker)
    names = [person.text for person in _people(doc) if _last_word(person.text) == last]
    full = max(names, key=len, default=None)
    return full if full is not None and len(full.split()) > 1 else None


def _people(doc: Doc) -> list[Span]:
    return [entity for entity in doc.ents if entity.label_ == "PERSON"]


def _last_word(name: str) -> str:
    words = re.findall(r"[\w'-]+", name.lower())
    return words[-1] if words else ""


def _capitalised(question: str) -> list[str]:
    """The question's names (capitalised words after the first), which a negative passage must not mention."""
    words = re.findall(r"[A-Z][\w'-]{2,}", question)[1:]
    return [word.lower() for word in words]


def _first_sentence(text: str, quote: Quote) -> tuple[int, int]:
    """The quote up to the end of its first sentence, within `MAX_QUOTE_CHARS` (cut at a word)."""
    start, end = quote.start, quote.end
    match = _SENTENCE_END.search(text, start, end)
    if match is not None and match.end() - start >= 12:
        end = match.start()
    if end - start > MAX_QUOTE_CHARS:
        end = text.rfind(" ", start, start + MAX_QUOTE_CHARS)
    while end > start and not text[end - 1].isalnum():
        end -= 1
    return start, end


def _quote_question(doc: Doc, speaker: str, quote: Quote, rng: random.Random) -> str:
    """A question about the quote: the speaker by name, by role and name, or by role alone, and a topic."""
    role = _role(doc, speaker)
    forms = [speaker, speaker.split()[-1] if rng.random() < 0.2 else speaker]  # the surname alone, now and then
    if role:
        forms += [f"{role} {speaker}", f"the {role}"]
    template = rng.choice(_QUOTE_TEMPLATES)
    return template.format(speaker=rng.choice(forms), topic=_topic(doc, rng, quote))


def _role(doc: Doc, speaker: str) -> str | None:
    """The words just before the speaker's name that say who they are ("Middlesbrough boss Steve McClaren")."""
    for person in _people(doc):
        if person.text != speaker:
            continue
        words: list[str] = []
        for token in reversed(doc[max(person.sent.start, person.start - 4) : person.start]):
            if token.pos_ not in ("NOUN", "PROPN", "ADJ") or token.ent_type_ == "PERSON":
                break
            words.insert(0, token.text)
        if words and any(token.islower() for token in words):
            return " ".join(words)
    return None


def _topic(doc: Doc, rng: random.Random, quote: Quote | None = None) -> str:
    """What a quote is about: a short noun phrase of the quote, or else of its passage, without its determiner."""
    chunks = [
        chunk
        for chunk in doc.noun_chunks
        if chunk.root.pos_ == "NOUN" and (quote is None or quote.start <= chunk.start_char < quote.end)
    ]
    if not chunks and quote is not None:
        return _topic(doc, rng)
    if not chunks:
        return "it"
    chunk = rng.choice(chunks)
    words = [token.text for token in chunk if token.pos_ not in ("DET", "PRON")][-3:]
    return "the " + " ".join(words) if words else "it"


def _entity_question(entity: Span, wh: str) -> str | None:
    """The entity's sentence with the question word in the entity's place, or None when that reads badly."""
    root = entity.root
    if root.dep_ not in _ASKABLE or any(token.dep_ == "case" for token in root.children):
        return None  # part of a longer name ("Chancellor Gerhard Schroeder") or a possessive ("Indonesia's")
    if entity.start > 0 and entity.doc[entity.start - 1].pos_ == "PROPN":
        return None
    if entity.end < len(entity.doc) and entity.doc[entity.end].ent_type_:
        return None  # runs into another entity ("the past" + "three sessions")
    sentence = entity.sent
    before = entity.doc.text[sentence.start_char : entity.start_char]
    after = entity.doc.text[entity.end_char : sentence.end_char]
    if '"' in before + after or len(sentence) > 40 or (before and not before[-1].isspace()):
        return None
    absorbed = _ABSORBED.get(wh, ())
    words = before.rstrip().split(" ")
    if words and words[-1].lower() in absorbed:
        before = " ".join(words[:-1]) + " "
    if not before.strip():
        wh = wh[0].upper() + wh[1:]
    body = (before + wh + after).strip()
    body = re.sub(r"[.!?]+$", "", body).strip()
    return body + "?" if len(body.split()) >= 5 else None


def kinds(examples: Iterable[SquadExample]) -> dict[str, int]:
    """How many examples of each kind: for the model card."""
    return dict(sorted(Counter(example.kind for example in examples).items()))
