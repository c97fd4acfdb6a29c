"""How much of a question a piece of text holds: the evidence every extraction and every decline rests on."""

from __future__ import annotations

from collections.abc import Sequence

from spacy.tokens import Doc, Span, Token

from qa.readers.rules.question import Question, Term

# A passage supports a question when it holds this weighted share of its words (half that, for a passage that
# only sets the scene), and this share of its names and numbers.
MIN_SUPPORT = 0.5
MIN_PROPER_SUPPORT = 0.6
# A sentence offering a typed answer must hold this share of the question's words that say what is asked.
MIN_RELATION_SUPPORT = 0.35


def matches(term: Term, token: Token) -> bool:
    """A question word found in a passage: same lemma, same word, or a shared stem of five letters or more."""
    lemma, lower = token.lemma_.lower(), token.lower_
    if term.lemma in (lemma, lower) or term.text.lower() == lower:
        return True
    stem = min(len(term.lemma), 5)
    return stem >= 5 and len(lower) >= 5 and lower[:stem] == term.lemma[:stem]


def support(terms: Sequence[Term], doc: Doc | Span, given: frozenset[str] = frozenset()) -> tuple[float, float]:
    """Weighted share of `terms` (a question's words) that `doc` contains, and the share of its names and numbers.

    :param given: lemmas of terms to count as present wherever they are (the names the article holds elsewhere).
    """
    if not terms:
        return 0.0, 1.0
    found = [term.lemma in given or any(matches(term, token) for token in doc) for term in terms]
    weight = sum(term.weight for term in terms)
    share = sum(term.weight for term, hit in zip(terms, found, strict=True) if hit) / weight
    proper = [hit for term, hit in zip(terms, found, strict=True) if term.proper]
    return share, (sum(proper) / len(proper) if proper else 1.0)


def evidence(question: Question, sentence: Span, relaxed: bool = False) -> float:
    """How well a sentence, read with its neighbours, supports an answer in it: the weighted share of the question's
    words the three sentences hold, or 0 when the sentence itself lacks most of the words that say what is asked
    (the question's nouns, verbs and adjectives, not its names): "How old is Okafor?" is not answered by a sentence
    that only names Okafor, nor "When will Redbridge move to a new stadium?" by one that only says "move".
    `relaxed` lowers that bar for a candidate tied by syntax to the words that are there. Names the article holds
    elsewhere (`question.given`) complete the evidence, but never make all of it."""
    relation = tuple(term for term in question.terms if not term.proper)
    bar = MIN_RELATION_SUPPORT * (0.6 if relaxed else 1.0)
    if relation and support(relation, sentence)[0] < bar:
        return 0.0
    sentences = list(sentence.doc.sents)
    position = next(i for i, other in enumerate(sentences) if other.start == sentence.start)
    first, last = sentences[max(position - 1, 0)], sentences[min(position + 1, len(sentences) - 1)]
    window = sentence.doc[first.start : last.end]
    if not relation and support(question.terms, window)[0] < MIN_SUPPORT:
        return 0.0  # a question of names only ("Who is the Prime Minister of Japan?"): the names must be here
    return support(question.terms, window, question.given)[0]


def hits(question: Question, sentence: Span) -> list[int]:
    return [token.i for token in sentence if any(matches(term, token) for term in question.terms)]


def in_question(question: Question, span: Span, threshold: float = 0.99) -> bool:
    """Whether the span merely repeats the question (e.g. "Seoul" for "Whom did Seoul accuse?")."""
    words = [token for token in span if not token.is_stop and not token.is_punct]
    words = words or [token for token in span if not token.is_punct]  # "two" is a stop word to spaCy
    if not words:
        return True
    repeated = sum(1 for token in words if any(matches(term, token) for term in question.terms))
    return repeated / len(words) >= threshold
