"""Bringing a new index generation's store up to date with a folder, streaming.

Files are read one at a time, and passages are embedded and written to the new store `EMBED_CHUNK` at a time, so
memory holds the vectors and one chunk of text, not the whole corpus's text. Articles whose content is unchanged
keep their passages (the store was derived from the previous generation's), and copies of an article already met
are skipped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from haystack import Document
from tqdm import tqdm

from qa.index.embed import PassageEmbedder
from qa.index.report import IndexReport
from qa.index.settings import IndexSettings, document_embedder
from qa.index.stores.base import DenseStore
from qa.ingest.article import Article, Skipped
from qa.ingest.duplicates import Duplicates
from qa.ingest.read import read_files

# Passages embedded and written to the store at a time: large enough to keep the model busy, small enough that a
# chunk's text and vectors are a few MB.
EMBED_CHUNK = 512


class Builder:
    """Brings a derived store up to date with a folder, streaming: a file at a time, `EMBED_CHUNK` passages at a
    time, one progress bar over the folder's bytes."""

    def __init__(
        self,
        store: DenseStore,
        settings: IndexSettings,
        old: dict[str, dict[str, Any]],
        report: IndexReport,
        progress_bar: bool,
    ) -> None:
        self.store = store
        self.settings = settings
        self.splitter = settings.splitter()
        self.old = old
        self.report = report
        self.progress_bar = progress_bar
        self.pending: list[Document] = []
        self.embedded = 0
        self.unflushed_bytes = 0  # read, but its passages not yet embedded: the bar counts only finished work
        self.bar: tqdm[Any] | None = None
        self.embedder: PassageEmbedder | None = None
        self.duplicates = Duplicates()

    def add(self, folder: Path, paths: list[Path]) -> tuple[dict[str, dict[str, Any]], list[Skipped]]:
        """Embed what is new or changed among the articles of `paths`.

        :returns: the manifest entry of every article, by id, and what was skipped.
        """
        articles: dict[str, dict[str, Any]] = {}
        skipped: list[Skipped] = []
        total = sum(path.stat().st_size for path in paths)
        with tqdm(total=total, unit="B", unit_scale=True, desc="Indexing", disable=not self.progress_bar) as bar:
            self.bar = bar
            for path, found in zip(paths, read_files(folder, paths), strict=True):
                kept, copies = self.duplicates.sift(found.articles)
                skipped.extend(found.skipped + copies)
                for article in kept:
                    if article.id not in articles:  # the first of two with the same source wins
                        articles[article.id] = self._article(article)
                self.unflushed_bytes += path.stat().st_size
            self._flush()
        return articles, skipped

    def _article(self, article: Article) -> dict[str, Any]:
        """Queue `article`'s passages for embedding unless they are unchanged; its manifest entry."""
        entry = {
            "source": article.source,
            "title": article.title,
            "date": article.date,
            "url": article.url,
            "hash": article.content_hash,
        }
        previous = self.old.get(article.id)
        if previous is not None and previous["hash"] == article.content_hash:
            self.report.unchanged += 1
            return {**entry, "passages": previous["passages"]}
        if previous is None:
            self.report.added += 1
        else:
            self.report.updated += 1
            self.store.delete([f"{article.id}-{n}" for n in range(1, previous["passages"] + 1)])
        documents = self.splitter.split(article)
        self.pending.extend(documents)
        if len(self.pending) >= EMBED_CHUNK:
            self._flush()
        return {**entry, "passages": len(documents)}

    def _flush(self) -> None:
        """Embed and write the pending passages, `EMBED_CHUNK` at a time even when one article has thousands."""
        for start in range(0, len(self.pending), EMBED_CHUNK):
            if self.embedder is None:
                self.embedder = document_embedder(self.settings)
            chunk = self.pending[start : start + EMBED_CHUNK]
            self.store.write(self.embedder.run(documents=chunk)["documents"])
            self.embedded += len(chunk)
            if self.bar is not None:
                self.bar.set_postfix(passages=self.embedded)
        self.pending = []
        if self.bar is not None:
            self.bar.update(self.unflushed_bytes)
        self.unflushed_bytes = 0
