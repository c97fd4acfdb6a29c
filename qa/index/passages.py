"""Splitting articles into overlapping passages of whole sentences.

Passages are what retrieval ranks and what the reader reads: a few sentences each, overlapping by a sentence so
that an answer near a boundary is whole in at least one passage. Each passage is a Haystack `Document` whose
`meta` says where it came from (article, title, source, passage number) and how to turn a character offset in the
passage into an offset in the original article (`original_span`), with the original characters themselves
(`meta["original"]`) so that a citation quotes the user's file exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import numpy as np
from haystack import Document

from qa.ingest.article import Article
from qa.ingest.spans import strip_span

# Words whose trailing period does not end a sentence.
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "gen",
        "sen",
        "rep",
        "gov",
        "lt",
        "col",
        "capt",
        "sgt",
        "cpl",
        "jr",
        "sr",
        "inc",
        "ltd",
        "co",
        "corp",
        "plc",
        "vs",
        "etc",
        "fig",
        "approx",
        "dept",
        "est",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mt",
        "ft",
        "rev",
        "hon",
        "u.s",
        "u.k",
        "u.n",
        "e.g",
        "i.e",
        "a.m",
        "p.m",
    ]
)
_BOUNDARY = re.compile(r"[.!?]+[\"')\]]*(?=\s+[\"'(\[]?[A-Z0-9À-ÖØ-Þ])|\n\n")
_WORD_BEFORE = re.compile(r"([\w.]+)[.!?]*[\"')\]]*$")


def split_sentences(text: str, max_chars: int = 1000) -> list[tuple[int, int]]:
    """Character spans of the sentences of `text`, trimmed of whitespace.

    A paragraph break always ends a sentence. Sentences longer than `max_chars` (a list with no full stops, a
    table) are cut at the last space before the limit.

    Example::

        >>> text = "Mr. Kim left. He said: \\"No.\\" Then\\n\\nnew paragraph"
        >>> [text[s:e] for s, e in split_sentences(text)]
        ['Mr. Kim left.', 'He said: "No."', 'Then', 'new paragraph']
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        if match.group() != "\n\n" and _is_abbreviation(text[start : match.end()]):
            continue
        spans.extend(_trimmed(text, start, match.end(), max_chars))
        start = match.end()
    spans.extend(_trimmed(text, start, len(text), max_chars))
    return spans


def _is_abbreviation(sentence: str) -> bool:
    word = _WORD_BEFORE.search(sentence)
    if word is None:
        return False
    token = word.group(1).rstrip(".").lower()
    return token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha())


def _trimmed(text: str, start: int, end: int, max_chars: int) -> Iterator[tuple[int, int]]:
    start, end = strip_span(text, start, end)
    while end - start > max_chars:
        cut = text.rfind(" ", start + 1, start + max_chars)
        cut = cut if cut > start else start + max_chars
        yield start, cut
        start = cut + 1 if text[cut : cut + 1] == " " else cut
    if end > start:
        yield start, end


def original_span(meta: dict[str, Any], start: int, end: int) -> tuple[int, int]:
    """Translate `[start, end)` in a passage's content into a span of its article's original text.

    `meta["origin"]` holds `[offset in passage, offset in original]` pairs, one where each run of consecutive
    characters begins (cleaning removed or inserted something there).

    Example::

        >>> original_span({"origin": [[0, 100], [5, 110]]}, 6, 8)
        (111, 113)
    """
    runs = meta["origin"]
    if not 0 <= start < end:
        raise ValueError(f"Bad span [{start}, {end}).")

    def locate(position: int) -> int:
        index = max(i for i, (offset, _) in enumerate(runs) if offset <= position)
        offset, origin = runs[index]
        return int(origin) + position - int(offset)

    return locate(start), locate(end - 1) + 1


def _runs(origin: np.ndarray) -> list[list[int]]:
    """Compress a per-character origin array into the starts of its consecutive runs."""
    breaks = np.flatnonzero(np.diff(origin) != 1) + 1
    starts = np.concatenate([[0], breaks])
    return [[int(i), int(origin[i])] for i in starts]


class PassageSplitter:
    """Turns an article into passage `Document`s of a few sentences, overlapping by `overlap` sentences.

    Usage example::

        splitter = PassageSplitter(sentences_per_passage=4, overlap=1)
        documents = splitter.split(load_folder("seeds").articles[0])
    """

    def __init__(self, sentences_per_passage: int = 4, overlap: int = 1, max_chars: int = 1000) -> None:
        """
        :param sentences_per_passage: sentences in a passage, at most.
        :param overlap: sentences shared by consecutive passages; less than `sentences_per_passage`.
        :param max_chars: a passage grows no longer than this (it still holds at least one sentence, itself cut
            to this length), so that the embedding model sees all of it (all-MiniLM-L6-v2 reads 256 tokens).
        """
        if sentences_per_passage < 1:
            raise ValueError(f"sentences_per_passage must be at least 1, not {sentences_per_passage}.")
        if not 0 <= overlap < sentences_per_passage:
            raise ValueError(f"overlap must be between 0 and {sentences_per_passage - 1}, not {overlap}.")
        if max_chars < 100:
            raise ValueError(f"max_chars must be at least 100, not {max_chars}.")
        self.sentences_per_passage = sentences_per_passage
        self.overlap = overlap
        self.max_chars = max_chars

    def split(self, article: Article) -> list[Document]:
        """The passages of one article, numbered from 1."""
        text = article.body.text
        sentences = split_sentences(text, self.max_chars)
        documents = []
        for number, (first, last) in enumerate(self._windows(sentences), start=1):
            start, end = sentences[first][0], sentences[last][1]
            original_start, original_end = article.body.span(start, end)
            meta = {
                "article_id": article.id,
                "title": article.title,
                "source": article.source,
                "date": article.date,
                "url": article.url,
                "passage": number,
                "start": original_start,
                "end": original_end,
                "original": article.original[original_start:original_end],
                "origin": _runs(article.body.origin[start:end]),
            }
            documents.append(Document(id=f"{article.id}-{number}", content=text[start:end], meta=meta))
        return documents

    def _windows(self, sentences: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
        """Index ranges `(first, last)` of the sentences in each passage."""
        first = 0
        while first < len(sentences):
            last = first
            while (
                last + 1 < len(sentences)
                and last + 1 - first < self.sentences_per_passage
                and sentences[last + 1][1] - sentences[first][0] <= self.max_chars
            ):
                last += 1
            yield first, last
            if last == len(sentences) - 1:
                return
            first = max(last + 1 - self.overlap, first + 1)
