"""The server-backed dense store: Milvus, through milvus-haystack's `MilvusDocumentStore`.

Choose it with `QA_STORE=milvus` (or `IndexSettings(store="milvus")`) and say where the server is with
`QA_MILVUS_URI` (default `http://127.0.0.1:19530`) and, for a server that wants one, `QA_MILVUS_TOKEN`. The same
code talks to a Milvus standalone server and to a Milvus cluster.

Each index generation gets its own collection (named in `<generation>/milvus.json`), filled from the previous
generation's collection and the newly embedded passages, so that the atomic switch of `manifest.json` works as it
does for FAISS; a superseded generation's collection is dropped with its directory. The server searches an HNSW
index (inner product on normalised vectors, so scores are cosine similarities, like `FaissStore`'s). BM25 stays
local (bm25s, in the generation directory): the PyPI `milvus` server is Milvus 2.3, which has no full-text
search, and one BM25 keeps rankings identical whichever dense store is used.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import Any

from haystack import Document
from haystack.utils import Secret
from milvus_haystack import MilvusDocumentStore
from pymilvus import MilvusClient, MilvusException

from qa import config
from qa.errors import ServerUnavailable
from qa.index.stores.base import HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH, HNSW_LINKS, DenseStore, StoreError

logger = logging.getLogger(__name__)

MARKER = "milvus.json"
_FIELDS = ["id", "text", "record"]  # the passage's meta travels as one JSON string: Milvus fields are flat
_INDEX = {
    "metric_type": "IP",
    "index_type": "HNSW",
    "params": {"M": HNSW_LINKS, "efConstruction": HNSW_EF_CONSTRUCTION},
}
_SEARCH = {"metric_type": "IP", "params": {"ef": HNSW_EF_SEARCH}}


def connection_args() -> dict[str, Any]:
    """Where the server is: `$QA_MILVUS_URI` (default `qa.config.DEFAULT_MILVUS_URI`), and `$QA_MILVUS_TOKEN`."""
    arguments: dict[str, Any] = {"uri": config.milvus_uri()}
    if config.milvus_token():
        arguments["token"] = Secret.from_env_var(config.ENV.MILVUS_TOKEN)
    return arguments


class MilvusStore(DenseStore):
    """Passages and their vectors in a Milvus collection, one collection per index generation.

    Usage example::

        os.environ["QA_MILVUS_URI"] = "http://milvus.internal:19530"
        store = MilvusStore.derive(Path("staging"), previous=None)
        store.write(embedded_documents)
        store.commit()
        best = store.search(query_embedding, top_k=5)
    """

    def __init__(self, directory: Path, collection: str) -> None:
        self.directory = directory
        self.collection = collection
        try:
            self._store = MilvusDocumentStore(
                collection_name=collection,
                connection_args=connection_args(),
                consistency_level="Strong",  # a reader in another process sees every committed passage
                index_params=_INDEX,
                search_params=_SEARCH,
            )
        except MilvusException as error:
            uri = connection_args()["uri"]
            raise ServerUnavailable(
                f"Cannot reach the Milvus server at {uri} ({error.message}). Start it, or set QA_MILVUS_URI to "
                "where it runs, or use the embedded store (QA_STORE=faiss)."
            ) from error

    @property
    def client(self) -> MilvusClient:
        return self._store.client

    @classmethod
    def load(cls, directory: Path) -> MilvusStore:
        marker = directory / MARKER
        if not marker.is_file():
            raise StoreError(f"{directory.name}/{MARKER} is missing")
        try:
            collection = json.loads(marker.read_text(encoding="utf-8"))["collection"]
        except (ValueError, KeyError, TypeError) as error:
            raise StoreError(f"it is damaged: {directory.name}/{MARKER}: {error}") from error
        store = cls(directory, collection)
        if not store.client.has_collection(collection):
            raise StoreError(f"its Milvus collection '{collection}' is missing on {connection_args()['uri']}")
        return store

    @classmethod
    def derive(cls, directory: Path, previous: DenseStore | None) -> MilvusStore:
        if previous is not None and not isinstance(previous, MilvusStore):
            raise TypeError(f"A MilvusStore cannot be made from a {type(previous).__name__}.")
        collection = f"qa_{uuid.uuid4().hex}"
        (directory / MARKER).write_text(json.dumps({"collection": collection}), encoding="utf-8")
        store = cls(directory, collection)
        if previous is not None:
            for page in previous._pages(with_vectors=True):
                store._store.write_documents(page)
        return store

    @classmethod
    def discard(cls, directory: Path) -> None:
        """Drop the generation's collection; a server that cannot be reached only costs a warning."""
        try:
            collection = json.loads((directory / MARKER).read_text(encoding="utf-8"))["collection"]
            client = cls(directory, collection).client
            if client.has_collection(collection):
                client.drop_collection(collection)
        except (OSError, ValueError, KeyError, TypeError, MilvusException, ServerUnavailable) as error:
            logger.warning("Could not drop the Milvus collection of %s: %s", directory.name, error)

    def write(self, documents: Sequence[Document]) -> None:
        if any(doc.embedding is None for doc in documents):
            raise ValueError("Every passage written to the store needs its embedding.")
        if documents:
            self._store.write_documents([_flat(doc) for doc in documents])

    def delete(self, ids: Collection[str]) -> None:
        if ids:
            self._store.delete_documents(list(ids))

    def commit(self) -> None:
        self.client.flush(self.collection)

    def search(self, embedding: Sequence[float], top_k: int) -> list[Document]:
        if top_k < 1:
            raise ValueError(f"top_k must be at least 1, not {top_k}.")
        found = self.client.search(
            self.collection,
            data=[[float(value) for value in embedding]],
            anns_field="vector",
            search_params={**_SEARCH, "params": {"ef": max(HNSW_EF_SEARCH, top_k)}},
            limit=top_k,
            output_fields=_FIELDS,
        )
        return [_document(hit["entity"] | {"id": hit["id"]}, score=hit["distance"]) for hit in found[0]]

    def count(self) -> int:
        return int(self._store.count_documents())

    def document(self, passage_id: str) -> Document:
        found = self.client.get(self.collection, ids=[passage_id], output_fields=_FIELDS)
        if not found:
            raise KeyError(f"No passage '{passage_id}' in the store.")
        return _document(found[0])

    def documents(self) -> Iterator[Document]:
        for page in self._pages(with_vectors=False):
            yield from page

    def _pages(self, with_vectors: bool) -> Iterator[list[Document]]:
        fields = [*_FIELDS, "vector"] if with_vectors else _FIELDS
        iterator = self.client.query_iterator(self.collection, batch_size=1000, filter="", output_fields=fields)
        try:
            while page := iterator.next():
                yield [_document(row) if not with_vectors else _flat_row(row) for row in page]
        finally:
            iterator.close()


def _flat(document: Document) -> Document:
    """The passage as Milvus stores it: its meta as one JSON string."""
    record = json.dumps(document.meta, ensure_ascii=False)
    return Document(id=document.id, content=document.content, embedding=document.embedding, meta={"record": record})


def _flat_row(row: dict[str, Any]) -> Document:
    return Document(
        id=row["id"], content=row["text"], embedding=[float(x) for x in row["vector"]], meta={"record": row["record"]}
    )


def _document(row: dict[str, Any], score: float | None = None) -> Document:
    return Document(id=row["id"], content=row["text"], meta=json.loads(row["record"]), score=score)
