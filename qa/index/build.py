"""Bringing a new index generation's store up to date with a folder, streaming.

Files are read one at a time, and passages are embedded and written to the new store `EMBED_CHUNK` at a time, so
memory holds the vectors and one chunk of text, not the whole corpus's text. Articles whose content is unchanged
keep their passages (the store was derived from the previous generation's), and copies of an article already met
are skipped. How far it got goes to a terminal's bar and, as an `IndexProgress`, to whoever asked (the chat page).
"""

from __future__ import annotations

import time
from collections import deque
from pathlib import Path
from typing import Any

from haystack import Document
from tqdm import tqdm

from qa.index.embed import PassageEmbedder
from qa.index.progress import IndexProgress, OnProgress
from qa.index.report import IndexReport
from qa.index.settings import IndexSettings, document_embedder
from qa.index.stores.base import DenseStore
from qa.ingest.article import Article, Skipped
from qa.ingest.duplicates import Duplicates
from qa.ingest.read import read_files

# Passages embedded and written to the store at a time: large enough to keep the model busy (four of its batches),
# small enough that a chunk's text and vectors are a few MB and that a progress report comes every second or two
# (bf16 on 2 cores). Chunks of 512, embedded in some 5 s each, were no faster: the same blocks of 512 BBC passages
# took 1 % longer in chunks of 128 (median of 9 paired runs), within the noise.
EMBED_CHUNK = 128


class Builder:
    """Brings a derived store up to date with a folder, streaming: a file at a time, `EMBED_CHUNK` passages at a
    time, one progress bar over the folder's bytes, and an `IndexProgress` to `on_progress` after each file read and
    each chunk embedded."""

    def __init__(
        self,
        store: DenseStore,
        settings: IndexSettings,
        old: dict[str, dict[str, Any]],
        report: IndexReport,
        progress_bar: bool,
        on_progress: OnProgress | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.splitter = settings.splitter()
        self.old = old
        self.report = report
        self.progress_bar = progress_bar
        self.on_progress = on_progress
        self.pending: list[Document] = []
        self.found = 0  # passages queued for embedding so far, embedded or pending
        self.embedded = 0
        # Files read but whose passages are not all embedded yet, oldest first: (`found` once the file was read, its
        # bytes). The bar and `IndexProgress.bytes_done` count only finished work.
        self.unfinished: deque[tuple[int, int]] = deque()
        self.files_read = self.files_total = 0
        self.bytes_read = self.bytes_done = self.bytes_total = 0
        self.started = time.monotonic()  # a builder is made for one build, just before it
        self.articles: dict[str, dict[str, Any]] = {}
        self.bar: tqdm[Any] | None = None
        self.embedder: PassageEmbedder | None = None
        self.duplicates = Duplicates()

    def add(self, folder: Path, paths: list[Path]) -> tuple[dict[str, dict[str, Any]], list[Skipped]]:
        """Embed what is new or changed among the articles of `paths`.

        :returns: the manifest entry of every article, by id, and what was skipped.
        """
        skipped: list[Skipped] = []
        sizes = [path.stat().st_size for path in paths]
        self.files_total, self.bytes_total = len(paths), sum(sizes)
        with tqdm(
            total=self.bytes_total, unit="B", unit_scale=True, desc="Indexing", disable=not self.progress_bar
        ) as bar:
            self.bar = bar
            for size, found in zip(sizes, read_files(folder, paths), strict=True):
                kept, copies = self.duplicates.sift(found.articles)
                skipped.extend(found.skipped + copies)
                for article in kept:
                    if article.id not in self.articles:  # the first of two with the same source wins
                        self.articles[article.id] = self._article(article)
                self.files_read += 1
                self.bytes_read += size
                self.unfinished.append((self.found, size))
                self._finished()
            self._flush()
        return self.articles, skipped

    def progress(self) -> IndexProgress:
        """How far this build has got."""
        return IndexProgress(
            files_read=self.files_read,
            files_total=self.files_total,
            articles=len(self.articles),
            passages_embedded=self.embedded,
            passages_found=self.found,
            bytes_read=self.bytes_read,
            bytes_done=self.bytes_done,
            bytes_total=self.bytes_total,
            seconds=time.monotonic() - self.started,
        )

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
        self.found += len(documents)
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
            self._finished()
        self.pending = []

    def _finished(self) -> None:
        """Count the files whose passages are now all embedded as done, and say how far the build has got."""
        while self.unfinished and self.unfinished[0][0] <= self.embedded:
            size = self.unfinished.popleft()[1]
            self.bytes_done += size
            if self.bar is not None:
                self.bar.update(size)
        if self.on_progress is not None:
            self.on_progress(self.progress())
