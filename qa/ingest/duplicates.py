"""One article from each set of copies: the same story saved twice, under two names or in two formats.

The copy kept is the first met, and files already indexed are met first (`indexed_first`), so that adding a copy of
an indexed article to the folder embeds nothing, even when its name sorts first.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Collection, Iterable
from pathlib import Path

from qa.ingest.article import Article, Skipped, source_file

logger = logging.getLogger(__name__)


class Duplicates:
    """Recognises copies among articles met one at a time; the first article with a text is the one kept.

    Two articles are copies when their cleaned bodies are the same up to case and whitespace: the same story saved
    twice, under two names or in two formats, with its title line, line endings or wrapping changed. Titles are not
    compared (a page's `<title>` carries the site's name, a `.txt` file's first line does not), nor are dates.

    Example::

        >>> duplicates = Duplicates()
        >>> duplicates.copy_of(Article("a.txt", "A", "Same text.", clean("Same text."))) is None
        True
        >>> duplicates.copy_of(Article("b.txt", "B", "SAME  text.", clean("SAME  text."))).duplicate_of
        'a.txt'
    """

    def __init__(self) -> None:
        self._first: dict[str, str] = {}  # hash of the normalised text -> source of the first article with it

    def copy_of(self, article: Article) -> Skipped | None:
        """A `Skipped` naming the earlier article that `article` copies, or None if its text is new."""
        key = hashlib.sha256(" ".join(article.body.text.casefold().split()).encode("utf-8")).hexdigest()
        first = self._first.setdefault(key, article.source)
        if first == article.source:
            return None
        return Skipped(article.source, f"it has the same text as {first}", duplicate_of=first)

    def sift(self, articles: Iterable[Article]) -> tuple[list[Article], list[Skipped]]:
        """The articles whose text is new, and a `Skipped` for each copy of an earlier one."""
        kept: list[Article] = []
        copies: list[Skipped] = []
        for article in articles:
            copy = self.copy_of(article)
            if copy is None:
                kept.append(article)
            else:
                logger.info("Skipping %s: %s", copy.path, copy.reason)
                copies.append(copy)
        return kept, copies


def indexed_first(paths: list[Path], folder: Path, indexed_sources: Collection[str]) -> list[Path]:
    """`paths` with the files that `indexed_sources` come from first, in their order otherwise (a stable sort).

    A record's source names its file and record ("feed.jsonl#3"): the file is what counts.
    """
    indexed = {source_file(source) for source in indexed_sources}
    return sorted(paths, key=lambda path: path.relative_to(folder).as_posix() not in indexed)
