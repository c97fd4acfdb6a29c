"""The server-backed dense store: Milvus, one collection shared by every generation of an index.

Choose it with `QA_STORE=milvus` (or `IndexSettings(store="milvus")`) and say where the server is with
`QA_MILVUS_URI` (default `http://127.0.0.1:19530`) and, for a server that wants one, `QA_MILVUS_TOKEN`. The same
code talks to a Milvus standalone server and to a Milvus cluster.

Generations are versions of the rows, not copies of the collection (multi-version concurrency control). Each row is
one passage as one generation wrote it: its key is `<generation>:<passage id>` (a changed article's passages keep
their ids, so a passage id alone repeats across generations), `born` is the generation that wrote it and `died` the
generation that deleted it (`ALIVE` until then). Generation `g` sees the rows with `born <= g < died`, so:

- an update writes only what changed: the new passages, and a `died` mark on the rows of the passages it removes
  (an upsert of those rows alone). Updating one article costs one article, whatever the size of the collection: the
  server indexes the rows it is sent, nothing is copied;
- a generation being built is invisible to every reader until the manifest names it, and a build that dies leaves
  rows that no committed generation sees; the next build removes them (`born` beyond the current generation) and
  takes back the deaths it marked before it writes anything;
- a superseded generation keeps answering: its rows stay on the server after its directory is deleted, so a question
  in flight, a bot that opened it, or another machine sharing the server and the index directory keep their answers.

How long a superseded generation stays whole: while the generation that replaced it is current, and in any case for
`GRACE_SECONDS` after it was replaced. A question takes well under a second and `qa ask` a few seconds, so the first
rule covers them however often the index changes; the second gives a long-running reader (the app on another machine,
which reopens the index when it learns of a change) minutes to move on. Each build then deletes the rows that no
generation still kept can see (those that died at or before the oldest kept one), so the collection holds the
current passages plus what recent updates replaced, not a history. Each generation's `milvus.json` names the
collection, its generation number and the generations it keeps, with when each was superseded.

A rebuild (`qa index --rebuild`, or changed settings) starts a new collection; the one it replaces is kept by the
same rules and dropped by a later build. A collection is dropped at once only when no generation directory of the
index still names it: a first build that failed, a store switched to FAISS. The server searches an HNSW index (inner
product on normalised vectors, so scores are cosine similarities, like `FaissStore`'s). BM25 stays local (bm25s, in
the generation directory): the PyPI `milvus` server is Milvus 2.3, which has no full-text search, and one BM25 keeps
rankings identical whichever dense store is used.

This store talks to the server with pymilvus's `MilvusClient` directly rather than through milvus-haystack's
`MilvusDocumentStore`, which infers a collection's fields from the first documents written and has no call to mark
rows: the generation fields need a schema of their own and row-level upserts.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from haystack import Document
from haystack.utils import Secret
from pymilvus import DataType, MilvusClient, MilvusException
from pymilvus.client.types import LoadState

from qa import config
from qa.errors import ServerUnavailable
from qa.index.stores.base import (
    EMBEDDING_DIM,
    HNSW_EF_CONSTRUCTION,
    HNSW_EF_SEARCH,
    HNSW_LINKS,
    DenseStore,
    StoreError,
)

logger = logging.getLogger(__name__)

MARKER = "milvus.json"
# `died` of a row no generation has deleted: beyond any generation number.
ALIVE = 2**63 - 1
# How long a superseded generation stays whole at least (see the module docstring).
GRACE_SECONDS = 600.0
_FIELDS = ["passage", "text", "record"]  # what a passage is read back from; its meta travels as one JSON string
_ROW = ["id", "passage", "born", "died", "text", "record", "vector"]  # a whole row, to upsert it with a new `died`
_BATCH = 1000  # rows per request: well under the server's 64 MB message limit at 384 dimensions
_INDEX = {
    "index_type": "HNSW",
    "metric_type": "IP",
    "params": {"M": HNSW_LINKS, "efConstruction": HNSW_EF_CONSTRUCTION},
}


def connection_args() -> dict[str, Any]:
    """Where the server is: `$QA_MILVUS_URI` (default `qa.config.DEFAULT_MILVUS_URI`), and `$QA_MILVUS_TOKEN`."""
    arguments: dict[str, Any] = {"uri": config.milvus_uri()}
    if config.milvus_token():
        arguments["token"] = Secret.from_env_var(config.ENV.MILVUS_TOKEN).resolve_value()
    return arguments


@dataclass(frozen=True)
class Held:
    """A superseded generation kept readable: its collection, its number, and when it was superseded."""

    collection: str
    generation: int
    superseded_at: float


@dataclass(frozen=True)
class Marker:
    """What `milvus.json` says of a generation: its collection and number, and the superseded generations it keeps.

    `superseded` are those this generation replaced, kept whole while it is current; `kept` are older ones still
    within `GRACE_SECONDS`. `generation` 0 marks a directory of the earlier layout, one collection per generation:
    it can be dropped, not read.
    """

    collection: str
    generation: int
    superseded: tuple[Held, ...] = ()
    kept: tuple[Held, ...] = ()

    @property
    def held(self) -> tuple[Held, ...]:
        return (*self.superseded, *self.kept)

    @property
    def collections(self) -> set[str]:
        """Every collection this generation needs: its own and those of the generations it keeps."""
        return {self.collection} | {held.collection for held in self.held}

    @classmethod
    def read(cls, directory: Path) -> Marker:
        """:raises StoreError: if the file is missing or damaged."""
        path = directory / MARKER
        if not path.is_file():
            raise StoreError(f"{directory.name}/{MARKER} is missing")
        try:
            found = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                collection=str(found["collection"]),
                generation=int(found.get("generation", 0)),
                superseded=tuple(Held(**held) for held in found.get("superseded", [])),
                kept=tuple(Held(**held) for held in found.get("kept", [])),
            )
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise StoreError(f"it is damaged: {directory.name}/{MARKER}: {error}") from error

    def write(self, directory: Path) -> None:
        (directory / MARKER).write_text(json.dumps(asdict(self), indent=1), encoding="utf-8")

    def successor(self, now: float) -> Marker:
        """The marker of the next generation in this collection: it keeps this one, and those this one replaced, and
        the older ones whose grace is not over."""
        fresh = tuple(held for held in self.kept if now - held.superseded_at < GRACE_SECONDS)
        this = Held(self.collection, self.generation, now)
        return Marker(self.collection, self.generation + 1, superseded=(this,), kept=(*self.superseded, *fresh))


def _committed(index_directory: Path, besides: Path) -> Iterator[Marker]:
    """The markers of the generation directories of an index other than `besides`, a staging directory (hidden,
    `.g….tmp`) excepted: the generations that may be current or kept. One that cannot be read names nothing."""
    for entry in index_directory.iterdir():
        if entry.is_dir() and entry != besides and not entry.name.startswith(".") and (entry / MARKER).is_file():
            try:
                yield Marker.read(entry)
            except StoreError as error:
                logger.warning("Ignoring %s: %s", entry, error)


def _connect() -> MilvusClient:
    """:raises ServerUnavailable: naming the server and the settings that choose it."""
    arguments = connection_args()
    try:
        return MilvusClient(**arguments)
    except MilvusException as error:
        raise ServerUnavailable(
            f"Cannot reach the Milvus server at {arguments['uri']} ({error.message}). Start it, or set QA_MILVUS_URI "
            "to where it runs, or use the embedded store (QA_STORE=faiss)."
        ) from error


class MilvusStore(DenseStore):
    """One generation's view of the passages and vectors in an index's Milvus collection.

    Usage example::

        os.environ["QA_MILVUS_URI"] = "http://milvus.internal:19530"
        store = MilvusStore.derive(Path("staging"), previous=None)
        store.write(embedded_documents)
        store.commit()
        best = store.search(query_embedding, top_k=5)
    """

    def __init__(self, directory: Path, marker: Marker, writable: bool) -> None:
        self.directory = directory
        self.marker = marker
        self.client = _connect()
        self._writable = writable
        self._visible = f"born <= {marker.generation} and died > {marker.generation}"

    @property
    def collection(self) -> str:
        return self.marker.collection

    @property
    def generation(self) -> int:
        return self.marker.generation

    @classmethod
    def load(cls, directory: Path) -> MilvusStore:
        marker = Marker.read(directory)
        if marker.generation == 0:
            raise StoreError(f"{directory.name}/{MARKER} is of an earlier layout (a collection per generation)")
        store = cls(directory, marker, writable=False)
        if not store.client.has_collection(marker.collection):
            raise StoreError(f"its Milvus collection '{marker.collection}' is missing on {connection_args()['uri']}")
        if store.client.get_load_state(marker.collection)["state"] == LoadState.NotLoad:  # a restarted server
            store.client.load_collection(marker.collection)
        return store

    @classmethod
    def derive(cls, directory: Path, previous: DenseStore | None) -> MilvusStore:
        """The next generation in `previous`'s collection, which it writes nothing to yet; with no `previous`, a new
        collection, which keeps the collections of the index's generation directories for their readers.

        First the leftovers of a build that died are removed, then what no kept generation can see any more.
        """
        if previous is not None and not isinstance(previous, MilvusStore):
            raise TypeError(f"A MilvusStore cannot be made from a {type(previous).__name__}.")
        now = time.time()
        if previous is None:
            replaced = list(_committed(directory.parent, besides=directory))
            marker = Marker(
                f"qa_{uuid.uuid4().hex}",
                generation=1,
                superseded=tuple(Held(m.collection, m.generation, now) for m in replaced),
                kept=tuple(held for m in replaced for held in m.held if held.collection != m.collection),
            )
            marker.write(directory)  # first, so that a build that fails from here on drops the collection
            store = cls(directory, marker, writable=True)
            store._create()
        else:
            marker = previous.marker.successor(now)
            marker.write(directory)
            store = cls(directory, marker, writable=True)
            store._undo_after(previous.generation)
            store._release(previous.marker)
        return store

    @classmethod
    def discard(cls, directory: Path) -> None:
        """Drop the collections of `directory`'s generation that no other generation directory of the index names;
        the rows of one that is still named are left to the build that ends its grace. A server that cannot be
        reached only costs a warning."""
        try:
            unused = Marker.read(directory).collections
            for other in _committed(directory.parent, besides=directory):
                unused -= other.collections
            if unused:
                _drop(_connect(), unused)
        except (OSError, StoreError, MilvusException, ServerUnavailable) as error:
            logger.warning("Could not release the Milvus collection of %s: %s", directory.name, error)

    def write(self, documents: Sequence[Document]) -> None:
        self._check_writable()
        if any(doc.embedding is None for doc in documents):
            raise ValueError("Every passage written to the store needs its embedding.")
        rows = [self._row(doc) for doc in documents]
        for start in range(0, len(rows), _BATCH):
            self.client.insert(self.collection, rows[start : start + _BATCH])

    def delete(self, ids: Collection[str]) -> None:
        """Mark the passages dead from this generation on; earlier generations still see them. A passage this
        generation wrote itself is deleted outright: no other generation sees it."""
        self._check_writable()
        wanted = list(ids)
        for start in range(0, len(wanted), _BATCH):
            chunk = wanted[start : start + _BATCH]
            rows = self.client.query(
                self.collection, filter=f"passage in {_literal(chunk)} and died == {ALIVE}", output_fields=_ROW
            )
            own = [row["id"] for row in rows if row["born"] == self.generation]
            if own:
                self.client.delete(self.collection, ids=own)
            older = [row | {"died": self.generation} for row in rows if row["born"] != self.generation]
            if older:
                self.client.upsert(self.collection, older)

    def commit(self) -> None:
        """Flush the rows, and date the supersession of the generations this one replaces: now, when it is about to
        become current, rather than when its build began."""
        self._check_writable()
        self.client.flush(self.collection)
        now = time.time()
        self.marker = replace(
            self.marker, superseded=tuple(replace(h, superseded_at=now) for h in self.marker.superseded)
        )
        self.marker.write(self.directory)

    def search(self, embedding: Sequence[float], top_k: int) -> list[Document]:
        if top_k < 1:
            raise ValueError(f"top_k must be at least 1, not {top_k}.")
        found = self.client.search(
            self.collection,
            data=[[float(value) for value in embedding]],
            filter=self._visible,
            anns_field="vector",
            search_params={"metric_type": "IP", "params": {"ef": max(HNSW_EF_SEARCH, top_k)}},
            limit=top_k,
            output_fields=_FIELDS,
        )
        return [_document(hit["entity"], score=hit["distance"]) for hit in found[0]]

    def count(self) -> int:
        found = self.client.query(self.collection, filter=self._visible, output_fields=["count(*)"])
        return int(found[0]["count(*)"])

    def document(self, passage_id: str) -> Document:
        found = self.client.query(
            self.collection, filter=f"passage == {_literal(passage_id)} and {self._visible}", output_fields=_FIELDS
        )
        if not found:
            raise KeyError(f"No passage '{passage_id}' in the store.")
        return _document(found[0])

    def documents(self) -> Iterator[Document]:
        iterator = self.client.query_iterator(
            self.collection, batch_size=_BATCH, filter=self._visible, output_fields=_FIELDS
        )
        try:
            while page := iterator.next():
                yield from (_document(row) for row in page)
        finally:
            iterator.close()

    def _check_writable(self) -> None:
        if not self._writable:
            raise StoreError(f"The store in {self.directory} is a committed generation; derive a new one to change it.")

    def _row(self, document: Document) -> dict[str, Any]:
        return {
            "id": f"{self.generation}:{document.id}",
            "passage": document.id,
            "born": self.generation,
            "died": ALIVE,
            "text": document.content or "",
            "record": json.dumps(document.meta, ensure_ascii=False),
            "vector": [float(value) for value in document.embedding or []],
        }

    def _create(self) -> None:
        schema = self.client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=1024)
        schema.add_field("passage", DataType.VARCHAR, max_length=1024)
        schema.add_field("born", DataType.INT64)
        schema.add_field("died", DataType.INT64)
        schema.add_field("text", DataType.VARCHAR, max_length=65_535)
        schema.add_field("record", DataType.VARCHAR, max_length=65_535)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=EMBEDDING_DIM)
        index = self.client.prepare_index_params()
        index.add_index(field_name="vector", **_INDEX)
        # Strong: a reader in another process sees every row committed before it asks.
        self.client.create_collection(self.collection, schema=schema, index_params=index, consistency_level="Strong")

    def _undo_after(self, current: int) -> None:
        """Remove what builds after generation `current` wrote and killed before they committed: their rows, and
        their deaths (the rows they marked are alive again). No committed generation sees either, so readers are not
        affected; this generation is numbered `current + 1` again."""
        self.client.delete(self.collection, filter=f"born > {current}")
        marked = f"died > {current} and died < {ALIVE}"
        while rows := self.client.query(self.collection, filter=marked, output_fields=_ROW, limit=_BATCH):
            self.client.upsert(self.collection, [row | {"died": ALIVE} for row in rows])

    def _release(self, previous: Marker) -> None:
        """Let go of what the generations `previous` kept and this one does not need: the collections of an earlier
        rebuild, and the rows that died at or before the oldest generation still kept here."""
        _drop(self.client, previous.collections - self.marker.collections)
        oldest = min(held.generation for held in self.marker.held if held.collection == self.collection)
        self.client.delete(self.collection, filter=f"died <= {oldest}")


def _drop(client: MilvusClient, collections: Iterable[str]) -> None:
    for name in collections:
        if client.has_collection(name):
            client.drop_collection(name)
            logger.info("Dropped the Milvus collection %s: no generation of the index uses it any more.", name)


def _literal(value: str | list[str]) -> str:
    """A string, or a list of them, as a Milvus expression literal (JSON's quoting is the expression language's).

    >>> _literal(["a-1", "b-2"])
    '["a-1", "b-2"]'
    """
    return json.dumps(value, ensure_ascii=False)


def _document(row: dict[str, Any], score: float | None = None) -> Document:
    return Document(id=row["passage"], content=row["text"], meta=json.loads(row["record"]), score=score)
