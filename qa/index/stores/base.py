"""The dense store seam: what `qa.index.index.Index` needs from wherever passages and their embeddings live.

The index talks to its dense store only through `DenseStore`: write embedded passages, delete passages, search by a
vector, count, fetch a passage, list them all. Each index generation has its own store, made from the previous one
(`derive`) and then `commit`ted, so that a build that dies half-way never changes what the store in use answers,
and a superseded generation's store keeps answering the readers that opened it (FAISS's is in memory and in open
files; Milvus keeps its rows on the server for a grace period). The stores are
`qa.index.stores.faiss_store.FaissStore` (embedded, the default) and `qa.index.stores.milvus_store.MilvusStore`
(a server, for corpora or traffic beyond one machine), chosen by name through `qa.index.stores.registry`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path

from haystack import Document

EMBEDDING_DIM = 384
# HNSW: links per vector, and the candidate lists while building and while searching (raised to top_k if larger).
# Over the 10k benchmark corpus, efSearch 256 gives recall@10 0.986 against exact search for off-topic questions
# (SQuAD's) and 0.998 for on-topic ones (article titles), in under 1 ms; 128 gave 0.956 off-topic.
HNSW_LINKS = 32
HNSW_EF_CONSTRUCTION = 100
HNSW_EF_SEARCH = 256


class StoreError(RuntimeError):
    """A store that cannot be used as it is (missing, damaged, inconsistent files); the message says which."""


class DenseStore(ABC):
    """Passages with embeddings, searchable by vector: what `qa.index.index.Index` needs from a document store."""

    @classmethod
    @abstractmethod
    def load(cls, directory: Path) -> DenseStore:
        """Open the committed store of a generation directory, read-only.

        :raises StoreError: if it is missing or damaged.
        """

    @classmethod
    @abstractmethod
    def derive(cls, directory: Path, previous: DenseStore | None) -> DenseStore:
        """A writable store in the (empty) staging `directory`, holding what `previous` holds, if given.

        Nothing written to it may change what `previous` answers.
        """

    @classmethod  # noqa: B027 - not abstract: most stores keep everything in the directory
    def discard(cls, directory: Path) -> None:
        """Release what the store of `directory` keeps elsewhere and no generation still kept needs; the caller then
        deletes the directory."""

    @abstractmethod
    def write(self, documents: Sequence[Document]) -> None:
        """Add passages, each with its `embedding`; their ids must be new to the store."""

    @abstractmethod
    def delete(self, ids: Collection[str]) -> None:
        """Remove passages by id; unknown ids are ignored."""

    @abstractmethod
    def commit(self) -> None:
        """Make every write and delete durable in the store's directory; the store stays searchable."""

    @abstractmethod
    def search(self, embedding: Sequence[float], top_k: int) -> list[Document]:
        """The `top_k` passages nearest to a normalised `embedding`, best first, `score` their cosine similarity."""

    @abstractmethod
    def count(self) -> int:
        """How many passages the store holds."""

    @abstractmethod
    def document(self, passage_id: str) -> Document:
        """One passage, without its embedding.

        :raises KeyError: if the store does not hold it.
        """

    @abstractmethod
    def documents(self) -> Iterator[Document]:
        """Every passage, without embeddings, streamed rather than loaded at once (`FaissStore`: in id order)."""
