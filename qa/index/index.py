"""The searchable index of a folder of articles: passage embeddings in a dense store, and BM25 over the same passages.

On disk (`index/` by default)::

    manifest.json          which generation is current, the fingerprint, the settings, the articles
    <generation>/          the dense store's files (`qa.index.stores`: passages.faiss + passages.sqlite), bm25/ (bm25s)

A build writes a whole new generation directory and only then replaces `manifest.json` (an atomic rename), so an
interrupted build leaves the previous index in place. Opening an index compares a fingerprint of the folder's
files and the settings with the manifest: unchanged, it loads without reading the articles; changed, it re-embeds
only the articles whose content changed (`qa.index.build`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from haystack import Document

from qa.errors import IndexingError
from qa.index.bm25 import BM25
from qa.index.build import Builder
from qa.index.disk import checksums, damaged_file, fsync_tree, locked, locked_if_free, unwritable, write_atomically
from qa.index.folder import FORMAT_VERSION, MANIFEST, fingerprint
from qa.index.progress import OnProgress
from qa.index.report import IndexReport
from qa.index.settings import IndexSettings
from qa.index.stores.base import DenseStore, StoreError
from qa.index.stores.registry import discard, store_class
from qa.ingest.article import Skipped
from qa.ingest.duplicates import indexed_first
from qa.ingest.files import SUFFIXES, article_files, articles_root

logger = logging.getLogger(__name__)

_NO_INDEX = "no index yet"
_MANIFEST_KEYS = frozenset({"format", "fingerprint", "generation", "settings", "articles"})


class Index:
    """Passages, their embeddings (a `DenseStore`) and BM25, for one folder of articles.

    Usage example::

        index, report = Index.open("seeds", "index")
        print(report.summary())
        passages = index.store.search(query_embedding, top_k=5)
    """

    def __init__(self, directory: Path, store: DenseStore, bm25: BM25, manifest: dict[str, Any]) -> None:
        self.directory = directory
        self.store = store
        self.bm25 = bm25
        self.manifest = manifest

    @property
    def articles(self) -> dict[str, dict[str, Any]]:
        """Indexed articles by id: source, title, date, url, content hash and passage count."""
        articles: dict[str, dict[str, Any]] = self.manifest["articles"]
        return articles

    def document(self, passage_id: str) -> Document:
        return self.store.document(passage_id)

    @classmethod
    def open(
        cls,
        articles: str | Path,
        directory: str | Path,
        settings: IndexSettings | None = None,
        rebuild: bool = False,
        progress_bar: bool = True,
        wait: bool = True,
        on_progress: OnProgress | None = None,
    ) -> tuple[Index, IndexReport]:
        """Load the index of `articles` from `directory`, bringing it up to date first if the folder changed.

        :param rebuild: start over, ignoring what is on disk.
        :param wait: when another process is updating the index, wait for it (and then bring the index up to date if
            it still is not); with False, use the index as it is if there is one (`IndexReport.behind` says so), so
            that a question is not held up by someone else's indexing.
        :param on_progress: called with an `IndexProgress` after each file read and each chunk of passages embedded,
            while the index is brought up to date (never, when it already is): for a page to show how far it got.
        :raises ArticleError: if `articles` is not a folder.
        :raises IndexingError: if there is nothing to index.
        """
        started = time.perf_counter()
        settings = settings or IndexSettings()
        folder = articles_root(articles)
        directory = Path(directory).expanduser().resolve()
        wanted = fingerprint(folder, directory, settings)
        report = IndexReport()
        current: Index | None = None
        if rebuild:
            report.rebuilt_because = "rebuild requested"
        else:
            try:
                current = cls._load(directory)
            except _Unusable as problem:
                report.rebuilt_because = str(problem)
                if str(problem) != _NO_INDEX:
                    logger.warning("The index in %s cannot be used (%s); rebuilding it.", directory, problem)
        if current is None or current.manifest["fingerprint"] != wanted:
            try:
                current = cls._updated(
                    folder, directory, settings, wanted, current, report, rebuild, wait, progress_bar, on_progress
                )
            except OSError as error:  # a full disk, a folder that cannot be written: one sentence
                raise unwritable(directory, error) from error
        else:  # an update removes leftovers itself
            _sweep(directory, current.manifest["generation"])
        report.articles, report.passages = len(current.articles), current.store.count()
        report.skipped = [Skipped(**skip) for skip in current.manifest.get("skipped", [])]
        report.seconds = time.perf_counter() - started
        return current, report

    @classmethod
    def _updated(
        cls,
        folder: Path,
        directory: Path,
        settings: IndexSettings,
        wanted: str,
        current: Index | None,
        report: IndexReport,
        rebuild: bool,
        wait: bool,
        progress_bar: bool,
        on_progress: OnProgress | None,
    ) -> Index:
        """`current` (None: no usable index) brought to the fingerprint `wanted` under the writer's lock; or, with
        `wait` False and another process writing, `current` as it is."""
        with _writer(directory, wait=wait or rebuild or current is None) as writing:
            if not writing and current is not None:
                logger.warning(
                    "Another process is updating the index in %s; answering from the index as it was.", directory
                )
                report.behind = True
                return current
            if not rebuild:  # another process may have brought it up to date while this one waited
                with contextlib.suppress(_Unusable):
                    current = cls._load(directory)
            if current is not None and current.manifest["fingerprint"] == wanted:
                report.rebuilt_because = None
                return current
            return cls._update(folder, directory, settings, wanted, current, report, progress_bar, on_progress)

    @classmethod
    def _load(cls, directory: Path) -> Index:
        """Read the current generation.

        :raises _Unusable: for a missing, damaged or outdated index.
        """
        manifest_path = directory / MANIFEST
        try:
            if not manifest_path.exists():
                raise _Unusable(_NO_INDEX)
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            if not isinstance(manifest, dict):
                raise _Unusable("its manifest.json is not an index manifest")
            if manifest.get("format") != FORMAT_VERSION:
                raise _Unusable(
                    f"it was written in format {manifest.get('format')}, this version reads {FORMAT_VERSION}"
                )
            if not manifest.keys() >= _MANIFEST_KEYS:
                raise _Unusable(f"its manifest.json lacks {', '.join(sorted(_MANIFEST_KEYS - manifest.keys()))}")
            generation = directory / manifest["generation"]
            damaged = damaged_file(generation, manifest.get("checksums", {}))
            if damaged is not None:
                raise _Unusable(f"it is damaged: {manifest['generation']}/{damaged} does not match its checksum")
            store = store_class(manifest["settings"].get("store", "faiss")).load(generation)
            bm25 = BM25.load(generation / "bm25")
        except _Unusable:
            raise
        except StoreError as error:
            raise _Unusable(str(error)) from error
        except PermissionError as error:
            raise _Unusable(f"{error.filename} cannot be read: permission denied") from error
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RuntimeError) as error:
            raise _Unusable(f"it is damaged: {type(error).__name__}: {error}") from error
        if store.count() != len(bm25.ids):
            raise _Unusable("its files disagree on the number of passages")
        return cls(directory, store, bm25, manifest)

    @classmethod
    def _update(
        cls,
        folder: Path,
        directory: Path,
        settings: IndexSettings,
        fingerprint: str,
        current: Index | None,
        report: IndexReport,
        progress_bar: bool,
        on_progress: OnProgress | None,
    ) -> Index:
        reusable = current is not None and current.manifest["settings"] == asdict(settings)
        if current is not None and not reusable:
            report.rebuilt_because = "the index settings changed"
        directory.mkdir(parents=True, exist_ok=True)
        generation = f"g{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
        staging = directory / f".{generation}.tmp"
        staging.mkdir()
        try:
            store = store_class(settings.store).derive(staging, current.store if current and reusable else None)
            old = current.articles if current is not None and reusable else {}
            paths = indexed_first(
                list(article_files(folder, exclude=directory)), folder, [a["source"] for a in old.values()]
            )
            builder = Builder(store, settings, old, report, progress_bar, on_progress)
            articles, skipped = builder.add(folder, paths)
            if not articles:
                kinds = ", ".join(SUFFIXES)
                raise IndexingError(f"No readable articles in '{folder}' (looked for {kinds} files).")
            gone = [i for i in old if i not in articles]
            report.removed = len(gone)
            store.delete([f"{i}-{n}" for i in gone for n in range(1, old[i]["passages"] + 1)])
            manifest = {
                "format": FORMAT_VERSION,
                "fingerprint": fingerprint,
                "settings": asdict(settings),
                "articles_folder": str(folder),
                "skipped": [asdict(skip) for skip in skipped],
                "articles": articles,
            }
            if current is not None and reusable and articles == old:  # only the fingerprint moved
                discard(staging)
                shutil.rmtree(staging, ignore_errors=True)
                return current._with_manifest(manifest)
            store.commit()
            index = cls(directory, store, BM25.build(store.documents()), manifest)
            index._save(staging, generation)
        except BaseException:
            discard(staging)
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return index

    def _with_manifest(self, manifest: dict[str, Any]) -> Index:
        """This index under a manifest whose fingerprint (and list of skips) changed but whose articles did not: a
        file touched or copied back, whose content hash is the same. Its generation stays; only the manifest is
        rewritten, so a `touch` costs no rebuild of the vectors or of BM25."""
        keep: dict[str, Any] = {key: self.manifest[key] for key in ("generation", "checksums") if key in self.manifest}
        self.manifest = {**manifest, **keep}
        write_atomically(self.directory / MANIFEST, json.dumps(self.manifest, indent=1, ensure_ascii=False))
        return self

    def _save(self, staging: Path, generation: str) -> None:
        """Finish the staged generation, then switch the manifest to it; only then delete older generations."""
        self.bm25.save(staging / "bm25")
        fsync_tree(staging)
        self.manifest["checksums"] = checksums(staging)
        staging.rename(self.directory / generation)
        self.manifest["generation"] = generation
        write_atomically(self.directory / MANIFEST, json.dumps(self.manifest, indent=1, ensure_ascii=False))
        _remove_leftovers(self.directory, {generation})
        self.store = type(self.store).load(self.directory / generation)


@contextlib.contextmanager
def _writer(directory: Path, wait: bool) -> Iterator[bool]:
    """The writer's lock, waited for (always True) or only taken if free (False when another process holds it)."""
    if wait:
        with locked(directory):
            yield True
    else:
        directory.mkdir(parents=True, exist_ok=True)
        with locked_if_free(directory) as free:
            yield free


class _Unusable(Exception):
    """Why the index on disk cannot be used as it is."""


def _leftovers(directory: Path, keep: set[str]) -> list[Path]:
    """Generation and staging directories other than those in `keep`: superseded, or left by a killed build."""
    return [
        entry
        for entry in directory.iterdir()
        if entry.is_dir() and entry.name not in keep and (entry.name.startswith("g") or entry.suffix == ".tmp")
    ]


def _remove_leftovers(directory: Path, keep: set[str]) -> None:
    """Delete `_leftovers`, with what their stores keep elsewhere; the caller holds the writer's lock.

    One that cannot be deleted (its permissions taken away) is named and left; the index in use does not need it.
    """
    for entry in _leftovers(directory, keep):
        try:
            discard(entry)
            shutil.rmtree(entry)
        except OSError as error:
            logger.warning("Could not delete the old index folder %s: %s.", entry, error.strerror)


def _sweep(directory: Path, in_use: str) -> None:
    """Clean up after a killed build when an index is opened, if no other process is writing to it right now.

    The generation the manifest names now is kept, and so is `in_use`, the one this process just opened.
    """
    if not _leftovers(directory, {in_use}):
        return
    try:
        with locked_if_free(directory) as free:
            if free:
                current = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))["generation"]
                _remove_leftovers(directory, {in_use, current})
    except OSError as error:  # a read-only index folder still answers; it is only not tidied
        logger.info("Could not clean up %s: %s", directory, error)
