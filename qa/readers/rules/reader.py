"""The rule-based reader: answer spans found by linguistic rules, offline, with no trained QA model.

It reads the retrieved passages with spaCy's small English pipeline (sentences, entities, dependencies) and
extracts, by the kind of question (`qa.readers.rules.question`):

- QUOTE ("What did X say?"): the words attributed to X (`qa.readers.rules.quotes`);
- DEFINITION ("Who is X?"): the appositive or title that describes X;
- ENTITY (who / when / where / how many ...): the entity of the expected type nearest the question's words;
- PHRASE (what / which ...): the argument of the question's verb that the question leaves open;
- REASON (why / how): the best-supported sentence.

A question is declined, never guessed, when no passage contains enough of its words (above all its names and
numbers): "Who won the 2018 FIFA World Cup?" over articles that never mention a World Cup.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, replace

from haystack import Document, ExtractedAnswer, component
from spacy.language import Language
from spacy.tokens import Doc

from qa.nlp import SPACY_LOCK, load_spacy
from qa.readers.rules.evidence import MIN_PROPER_SUPPORT, MIN_SUPPORT, matches, support
from qa.readers.rules.extract import Found, extract, mentions
from qa.readers.rules.question import Kind, Question, analyse
from qa.readers.rules.quotes import described_person, people_called

# Candidates scoring below this are not offered.
MIN_SCORE = 0.35


@dataclass(frozen=True)
class _Candidate:
    """A `Found` span in the passage at index `passage` of the reader's input."""

    passage: int
    found: Found


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

        :returns: `answers`, best first; `[no-answer]` (`data=None`) when the passages do not answer, with
            `meta["supported"]` saying whether some passage held the question's words (but no answer was found).
        """
        with SPACY_LOCK:
            question = analyse(query, self.nlp)
            parsed = [self._parse(document) for document in documents]
        questions = _per_article(question, documents, parsed)
        supports = [support(asked.terms, doc, asked.given) for asked, doc in zip(questions, parsed, strict=True)]
        candidates: list[_Candidate] = []
        for rank, (doc, asked, passage_support) in enumerate(zip(parsed, questions, supports, strict=True)):
            if _supported(asked, doc, passage_support):
                prior = 0.04 / (1 + rank)  # among equals, the better-retrieved passage
                candidates.extend(
                    _Candidate(rank, replace(found, score=min(1.0, found.score + prior)))
                    for found in extract(asked, doc)
                )
        if any(c.found.kind != "sentence" for c in candidates):
            candidates = [c for c in candidates if c.found.kind != "sentence"]  # a whole sentence is the last resort
        candidates = _best_unique(candidates, top_k or self.top_k)
        if not candidates:
            best = max((s for s, _ in supports), default=0.0)
            supported = any(_supported(q, d, s) for q, d, s in zip(questions, parsed, supports, strict=True))
            declined = ExtractedAnswer(
                query=query, score=round(1 - best / 2, 4), data=None, meta={"supported": supported}
            )
            return {"answers": [declined]}
        answers = [
            ExtractedAnswer(
                query=query,
                score=round(c.found.score, 4),
                data=(documents[c.passage].content or "")[c.found.start : c.found.end],
                document=documents[c.passage],
                context=documents[c.passage].content,
                document_offset=ExtractedAnswer.Span(c.found.start, c.found.end),
                meta={"kind": c.found.kind},
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
    for candidate in sorted(candidates, key=lambda c: -c.found.score):
        if candidate.found.score < MIN_SCORE:
            break
        key = (candidate.passage, candidate.found.start, candidate.found.end)
        if key in seen:
            continue
        seen.add(key)
        chosen.append(candidate)
        if len(chosen) == top_k:
            break
    return chosen


def _per_article(question: Question, documents: list[Document], parsed: list[Doc]) -> list[Question]:
    """For each passage, the question as its article's retrieved passages let it be read: `given` set to the names
    they hold ("When will the Eastline open?" is answered by a passage that calls it "the line"), and a speaker
    asked about by role named ("What did Biden's special envoy say?" is "What did Sung Kim say?" once a passage
    introduces "Biden's special envoy for North Korea, Sung Kim", though the quote sits in another passage)."""
    by_article: dict[str, list[Doc]] = {}
    for document, doc in zip(documents, parsed, strict=True):
        by_article.setdefault(_article_of(document), []).append(doc)
    proper = [term for term in question.terms if term.proper]
    read: dict[str, Question] = {}
    for article, docs in by_article.items():
        given = frozenset(term.lemma for term in proper if any(matches(term, t) for doc in docs for t in doc))
        read[article] = _named_speaker(replace(question, given=given), docs)
    return [read[_article_of(document)] for document in documents]


def _named_speaker(question: Question, docs: list[Doc]) -> Question:
    """A quote question about a role, with the person the article gives that role as its speaker, if any."""
    if question.kind is not Kind.QUOTE or not question.descriptor or question.group:
        return question
    # Only a person called by the role's own head noun ("Museum director Simon Arkwright"): across passages, the
    # looser match (a synonym of it) would name whoever stands near the modifier words.
    named = (described_person(doc, question.descriptor, head_required=True) for doc in docs)
    person = next((person for person in named if person), None)
    if person is None and set(question.descriptor[1:]) <= question.given:
        # "the Civic Alliance leader", introduced as "Party leader Stellan Oduya" in an article that names the
        # Civic Alliance elsewhere: the article's only leader.
        holders = {holder for doc in docs for holder in people_called(doc, question.descriptor[0])}
        person = holders.pop() if len(holders) == 1 else None
    return question if person is None else replace(question, focus=person, descriptor=())


def _article_of(document: Document) -> str:
    return str(document.meta.get("article_id", document.id))


def _supported(question: Question, doc: Doc, support: tuple[float, float]) -> bool:
    share, proper_share = support
    if question.kind is Kind.QUOTE:
        if question.descriptor:  # a role or a group: the words that name it, or a person holding the role
            holder = None if question.group else described_person(doc, question.descriptor)
            return holder is not None or share >= MIN_SUPPORT
        return question.focus is not None and mentions(doc, question.focus)
    if question.kind is Kind.DEFINITION:
        return question.focus is not None and mentions(doc, question.focus)
    return share >= MIN_SUPPORT / 2 and proper_share >= MIN_PROPER_SUPPORT
