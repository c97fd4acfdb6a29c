"""What reading a folder produces: `Article`s, and a `Skipped` for each file or record left out, with the reason.

An `Article` keeps the text exactly as the user's file holds it (`original`), so that the offsets of every
citation can be checked against that file, plus the cleaned body the rest of the pipeline reads
(`qa.ingest.cleaning`). For web pages and PDFs, whose characters are not the article's, `original` is the text
extracted from them (`qa.ingest.formats`).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from qa.ingest.cleaning import MappedText

_RECORD_NUMBER = re.compile(r"#\d+$")


@dataclass(frozen=True)
class Article:
    """One news article.

    :param source: where it came from, relative to the articles folder; records of a `.json` list or a `.jsonl`
        or `.csv` file add `#N` (list index, or the line the record starts on).
    :param original: the text that citation offsets point into: the whole file for `.txt`/`.md`, the record's
        `text` field (cell) for `.json`/`.jsonl`/`.csv`, the extracted text for `.html`/`.pdf`
        (`qa.ingest.formats.html`, `qa.ingest.formats.pdf`).
    :param body: the cleaned body (title excluded) and its map back into `original`.
    """

    source: str
    title: str
    original: str
    body: MappedText = field(repr=False, compare=False)
    date: str | None = None
    url: str | None = None

    @property
    def id(self) -> str:
        """Stable across edits of the article, so that a changed file replaces its old passages."""
        return hashlib.sha1(self.source.encode("utf-8")).hexdigest()[:16]

    @property
    def content_hash(self) -> str:
        """Changes whenever anything that ends up in the index changes."""
        payload = json.dumps([self.title, self.original, self.date, self.url], ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Skipped:
    """A file or record that was not indexed (or the part of a file that was not), and why.

    :param duplicate_of: for an article whose text is already indexed from elsewhere, the source it is a copy of.
    """

    path: str
    reason: str
    duplicate_of: str | None = None


def source_file(source: str) -> str:
    """The file that an `Article.source` or a `Skipped.path` is in: a record's source without its "#N".

    Example: `source_file("feed.jsonl#3")` is `"feed.jsonl"`; `source_file("a.txt")` is `"a.txt"`.
    """
    return _RECORD_NUMBER.sub("", source)


@dataclass
class Corpus:
    """The articles found in a folder (or one file), and the files or records skipped on the way."""

    folder: Path
    articles: list[Article]
    skipped: list[Skipped]
