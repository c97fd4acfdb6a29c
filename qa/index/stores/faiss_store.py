"""The embedded default dense store, `FaissStore`: FAISS vectors in memory, passage texts in SQLite on disk.

`FaissStore` keeps what must be fast in memory and the rest on disk::

    <generation>/passages.faiss    the vectors (exact `IndexFlatIP`, or HNSW above `APPROXIMATE_FROM` passages)
    <generation>/passages.sqlite   passage text and metadata, read on demand by id

faiss-haystack's `FAISSDocumentStore`, used before, holds every `Document` (text, metadata, offset runs) in a
Python dict and rewrites them all as one JSON file on each save: 3.4 KB of memory per passage on top of the
vectors' 1.5 KB (measured over the 10,000 passages of `benchmarks/scale.py`), a full JSON parse at each start and a
full rewrite at each update. Here only the vectors
(and HNSW's links) stay resident; a passage's text is read from SQLite when it is retrieved.

`qa.index.stores.milvus_store.MilvusStore` is the server-backed store, for corpora or traffic beyond one machine.
"""

from __future__ import annotations

import contextlib
import errno
import json
import shutil
import sqlite3
import threading
from collections.abc import Collection, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from haystack import Document

from qa.errors import IndexingError
from qa.index.stores.base import (
    EMBEDDING_DIM,
    HNSW_EF_CONSTRUCTION,
    HNSW_EF_SEARCH,
    HNSW_LINKS,
    DenseStore,
    StoreError,
)

# Exact search below this many passages, HNSW from here up. Measured by `benchmarks/scale.py` on this project's
# 2-core machine: exact search grows linearly, 0.8 ms at 10k passages and 1.5 ms at 20k (so about 7.5 ms at 100k and
# 75 ms at a million), while HNSW stays at 0.3-0.5 ms with recall@10 0.98-0.99 against exact. Below 20k exact search
# is cheap (under a tenth of the 16 ms retrieval takes) and its recall is perfect; from 20k its cost keeps growing and
# the approximate index pays for itself, at a rebuild of about 2 s per update at 20k.
APPROXIMATE_FROM = 20_000


class FaissStore(DenseStore):
    """The embedded default: a FAISS index of the vectors and an SQLite file of the passages, in one directory.

    Usage example::

        store = FaissStore.derive(Path("staging"), previous=None)
        store.write(embedded_documents)
        store.commit()
        best = store.search(query_embedding, top_k=5)
    """

    VECTORS = "passages.faiss"
    PASSAGES = "passages.sqlite"

    def __init__(self, directory: Path, vectors: Any, database: sqlite3.Connection, writable: bool) -> None:
        self.directory = directory
        self.vectors = vectors  # faiss.IndexIDMap2 over a flat or HNSW index; ids are SQLite rows
        self._database = database
        self._writable = writable
        rows = faiss.vector_to_array(vectors.id_map)
        self._next_row = int(rows.max()) + 1 if len(rows) else 1  # never reused, so a row names one passage
        self._lock = threading.Lock()  # one SQLite connection, shared by the threads that ask questions
        self._pending: list[tuple[np.ndarray, np.ndarray]] = []  # (rowids, vectors) written since the last commit
        self._dropped: set[int] = set()  # rowids deleted since the last commit

    @property
    def approximate(self) -> bool:
        """Whether searches are approximate (HNSW) rather than exact."""
        return isinstance(faiss.downcast_index(self.vectors.index), faiss.IndexHNSW)

    def all_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """Every committed `(row, vector)`, for comparing exact and approximate search over the same passages."""
        return _all_vectors(self.vectors)

    @classmethod
    def load(cls, directory: Path) -> FaissStore:
        for name in (cls.VECTORS, cls.PASSAGES):
            if not (directory / name).is_file():
                raise StoreError(f"{directory.name}/{name} is missing")
        try:
            vectors = faiss.read_index(str(directory / cls.VECTORS))
            database = sqlite3.connect(
                f"file:{directory / cls.PASSAGES}?mode=ro&immutable=1", uri=True, check_same_thread=False
            )
            rows = database.execute("SELECT count(*) FROM passages").fetchone()[0]
        except (RuntimeError, sqlite3.Error) as error:
            raise StoreError(f"it is damaged: {type(error).__name__}: {error}") from error
        if rows != vectors.ntotal:
            raise StoreError(f"its files disagree on the number of passages ({rows} texts, {vectors.ntotal} vectors)")
        _tune(vectors)
        return cls(directory, vectors, database, writable=False)

    @classmethod
    def derive(cls, directory: Path, previous: DenseStore | None) -> FaissStore:
        if previous is not None and not isinstance(previous, FaissStore):
            raise TypeError(f"A FaissStore cannot be made from a {type(previous).__name__}.")
        path = directory / cls.PASSAGES
        if previous is not None:
            shutil.copyfile(previous.directory / cls.PASSAGES, path)
        with _writing():
            database = sqlite3.connect(path, check_same_thread=False)
            database.execute(
                "CREATE TABLE IF NOT EXISTS passages (row INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, content TEXT, "
                "meta TEXT NOT NULL)"
            )
        vectors = previous.vectors if previous is not None else _build(np.zeros(0, "int64"), _no_vectors())
        return cls(directory, vectors, database, writable=True)

    def write(self, documents: Sequence[Document]) -> None:
        self._check_writable()
        if not documents:
            return
        if any(doc.embedding is None for doc in documents):
            raise ValueError("Every passage written to the store needs its embedding.")
        rows = np.arange(self._next_row, self._next_row + len(documents), dtype="int64")
        self._next_row += len(documents)
        with self._lock, _writing():
            self._database.executemany(
                "INSERT INTO passages (row, id, content, meta) VALUES (?, ?, ?, ?)",
                [
                    (int(row), doc.id, doc.content, json.dumps(doc.meta, ensure_ascii=False))
                    for row, doc in zip(rows, documents, strict=True)
                ],
            )
        self._pending.append((rows, np.asarray([doc.embedding for doc in documents], dtype="float32")))

    def delete(self, ids: Collection[str]) -> None:
        self._check_writable()
        with self._lock, _writing():
            for batch in _batches(list(ids), 500):
                marks = ",".join("?" * len(batch))
                found = self._database.execute(f"SELECT row FROM passages WHERE id IN ({marks})", batch).fetchall()
                self._database.execute(f"DELETE FROM passages WHERE id IN ({marks})", batch)
                self._dropped.update(row for (row,) in found)

    def commit(self) -> None:
        """Rebuild the vector index from the kept and the new vectors (exact or HNSW by size) and write both files.

        Rebuilding, rather than adding to the old index, is what lets HNSW (which cannot delete) follow edits; it
        costs a fraction of a second per 1,000 passages (2 s for 20,000 and 24 s for 100,000 with HNSW in
        `benchmarks/scale.py`), little next to embedding them (about 20 s per 1,000 on 2 cores).
        """
        self._check_writable()
        dropped = np.fromiter(self._dropped, dtype="int64", count=len(self._dropped))
        parts = [_all_vectors(self.vectors), *self._pending]
        kept = [(rows[~np.isin(rows, dropped)], vectors[~np.isin(rows, dropped)]) for rows, vectors in parts]
        self.vectors = _build(np.concatenate([p[0] for p in kept]), np.concatenate([p[1] for p in kept]))
        self._pending, self._dropped = [], set()
        # Serialised here and written by Python, so that a full disk is an `OSError` with its errno rather than a
        # `RuntimeError` from inside FAISS.
        (self.directory / self.VECTORS).write_bytes(faiss.serialize_index(self.vectors).tobytes())
        with self._lock, _writing():
            self._database.commit()

    def search(self, embedding: Sequence[float], top_k: int) -> list[Document]:
        if top_k < 1:
            raise ValueError(f"top_k must be at least 1, not {top_k}.")
        if self.vectors.ntotal == 0:
            return []
        query = np.asarray([embedding], dtype="float32")
        scores, rows = self.vectors.search(query, min(top_k, self.vectors.ntotal), params=_search_parameters(top_k))
        found = [(int(row), float(score)) for row, score in zip(rows[0], scores[0], strict=True) if row >= 0]
        documents = self._rows([row for row, _ in found])
        return [replace(documents[row], score=score) for row, score in found]

    def count(self) -> int:
        with self._reading():
            rows: int = self._database.execute("SELECT count(*) FROM passages").fetchone()[0]
        return rows

    def document(self, passage_id: str) -> Document:
        with self._reading():
            row = self._database.execute(
                "SELECT id, content, meta FROM passages WHERE id = ?", (passage_id,)
            ).fetchone()
        if row is None:
            raise KeyError(f"No passage '{passage_id}' in the store.")
        return _document(row)

    def documents(self) -> Iterator[Document]:
        last = ""
        while True:  # a page at a time, without holding the lock while the caller works
            with self._reading():
                page = self._database.execute(
                    "SELECT id, content, meta FROM passages WHERE id > ? ORDER BY id LIMIT 1000", (last,)
                ).fetchall()
            if not page:
                return
            yield from (_document(row) for row in page)
            last = page[-1][0]

    def _rows(self, rows: list[int]) -> dict[int, Document]:
        marks = ",".join("?" * len(rows))
        with self._reading():
            found = self._database.execute(
                f"SELECT row, id, content, meta FROM passages WHERE row IN ({marks})", rows
            ).fetchall()
        return {row: _document(rest) for row, *rest in found}

    @contextlib.contextmanager
    def _reading(self) -> Iterator[None]:
        """The shared connection, for one query; a database damaged since it was opened becomes a clear error."""
        with self._lock:
            try:
                yield
            except sqlite3.DatabaseError as error:
                raise IndexingError(
                    f"The index in {self.directory.parent} is damaged ({error}). It is rebuilt when it is next "
                    "opened: run `qa index`, or restart the app."
                ) from error

    def _check_writable(self) -> None:
        if not self._writable:
            raise StoreError(f"The store in {self.directory} is a committed generation; derive a new one to change it.")


# What a failed SQLite write means for the disk, so that callers handle it as they handle any failed write. Keys are
# SQLite's primary result codes: SQLITE_READONLY, SQLITE_FULL, SQLITE_CANTOPEN.
_SQLITE_ERRNO = {8: errno.EROFS, 13: errno.ENOSPC, 14: errno.EACCES}


@contextlib.contextmanager
def _writing() -> Iterator[None]:
    """Writes to the passages database; a full disk or a folder that cannot be written becomes an `OSError`."""
    try:
        yield
    except sqlite3.OperationalError as error:
        # An extended code's low byte is its primary code; Python 3.10 gives no code, only the message.
        primary = int(getattr(error, "sqlite_errorcode", 0)) & 0xFF
        raise OSError(_SQLITE_ERRNO.get(primary, errno.EIO), str(error)) from error


def empty_index(approximate: bool) -> Any:
    """An empty inner-product index: exact (flat), or HNSW tuned as the store tunes its own.

    The benchmark builds both kinds over the same vectors with this, to compare them.
    """
    if not approximate:
        return faiss.IndexFlatIP(EMBEDDING_DIM)
    index = faiss.IndexHNSWFlat(EMBEDDING_DIM, HNSW_LINKS, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    index.hnsw.efSearch = HNSW_EF_SEARCH
    return index


def _build(rows: np.ndarray, vectors: np.ndarray) -> Any:
    """The vector index for a store of `len(rows)` passages: exact below `APPROXIMATE_FROM`, HNSW from there."""
    index = faiss.IndexIDMap2(empty_index(approximate=len(rows) >= APPROXIMATE_FROM))
    if len(rows):
        index.add_with_ids(vectors, rows)
    return index


def _tune(index: Any) -> None:
    """Set what FAISS does not save with an HNSW index: its search-time candidate list."""
    inner = faiss.downcast_index(index.index)
    if isinstance(inner, faiss.IndexHNSW):
        inner.hnsw.efSearch = HNSW_EF_SEARCH


def _search_parameters(top_k: int) -> Any:
    return faiss.SearchParametersHNSW(efSearch=max(HNSW_EF_SEARCH, top_k))  # type: ignore[attr-defined]


def _all_vectors(index: Any) -> tuple[np.ndarray, np.ndarray]:
    """The `(rowids, vectors)` an `IndexIDMap2` holds, in its internal order."""
    rows = faiss.vector_to_array(index.id_map).astype("int64")
    if index.ntotal == 0:
        return rows, _no_vectors()
    return rows, index.index.reconstruct_n(0, index.ntotal)


def _no_vectors() -> np.ndarray:
    return np.zeros((0, EMBEDDING_DIM), dtype="float32")


def _document(row: Sequence[Any]) -> Document:
    passage_id, content, meta = row
    return Document(id=passage_id, content=content, meta=json.loads(meta))


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
