"""Hybrid retrieval: dense (the index's `DenseStore`) and BM25 rankings fused by reciprocal rank fusion.

Dense retrieval finds paraphrases ("talks" for "negotiations"); BM25 finds the rare exact words dense retrieval
blurs (names, numbers). Reciprocal rank fusion (Haystack's `DocumentJoiner`) needs no score calibration between
the two. In a conversation a third ranking joins them: BM25 among the passages of the articles that answered the
previous turns, so that "How much will it cost?" after a question about the PSP finds the price in the PSP article.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from haystack import Document, Pipeline, component
from haystack.components.joiners import DocumentJoiner

from qa.index.index import Index
from qa.index.settings import IndexSettings, text_embedder

# Each retriever proposes this many times top_k candidates, so that fusion can promote a passage that only one of
# them ranks highly.
CANDIDATES_PER_RESULT = 2


class _IndexRetriever:
    """What both retrievers share: the index they search and how many passages they return by default."""

    def __init__(self, index: Index, top_k: int = 10) -> None:
        if top_k < 1:
            raise ValueError(f"top_k must be at least 1, not {top_k}.")
        self.index = index
        self.top_k = top_k


@component
class BM25Retriever(_IndexRetriever):
    """Retrieves passages from an `Index` by BM25.

    Usage example::

        retriever = BM25Retriever(index, top_k=5)
        documents = retriever.run(query="What did Sung Kim say?")["documents"]
    """

    @component.output_types(documents=list[Document])
    def run(self, query: str, top_k: int | None = None) -> dict[str, list[Document]]:
        """The passages that best match `query`'s words, best first, with their BM25 score."""
        found = self.index.bm25.search(query, top_k or self.top_k)
        return {"documents": [replace(self.index.document(i), score=score) for i, score in found]}


@component
class ConversationRetriever(_IndexRetriever):
    """Retrieves passages by BM25 from the articles a conversation has been answered from; nothing without them.

    Usage example::

        retriever = ConversationRetriever(index, top_k=5)
        documents = retriever.run(query="How much will it cost?", articles=["tech-psp"])["documents"]
    """

    @component.output_types(documents=list[Document])
    def run(
        self, query: str = "", articles: list[str] | None = None, top_k: int | None = None
    ) -> dict[str, list[Document]]:
        """The passages of `articles` that best match `query`'s words, best first, with their BM25 score."""
        known = self.index.articles  # an article removed since the turn that cited it is skipped
        passages = {article: known[article]["passages"] for article in articles or () if article in known}
        ids = [f"{article}-{number}" for article, count in passages.items() for number in range(1, count + 1)]
        found = self.index.bm25.search_among(query, ids, top_k or self.top_k) if query else []
        return {"documents": [replace(self.index.document(i), score=score) for i, score in found]}


@component
class DenseRetriever(_IndexRetriever):
    """Retrieves passages from an `Index` by embedding similarity, through its dense store (FAISS or a server).

    Usage example::

        retriever = DenseRetriever(index, top_k=5)
        documents = retriever.run(query_embedding=embedding)["documents"]
    """

    @component.output_types(documents=list[Document])
    def run(self, query_embedding: np.ndarray, top_k: int | None = None) -> dict[str, list[Document]]:
        """The passages nearest to the question's embedding (an array: see `qa.index.embed`), best first, `score`
        their cosine similarity."""
        return {"documents": self.index.store.search(query_embedding.tolist(), top_k or self.top_k)}


def retrieval_pipeline(index: Index, settings: IndexSettings, top_k: int) -> Pipeline:
    """A pipeline from a question to its `top_k` fused passages.

    Inputs: `embedder.text` and `bm25.query` (both the question); in a conversation, also `conversation.query` and
    `conversation.articles` (those that answered the previous turns). Output: `joiner.documents`. Add a reader by
    connecting `joiner.documents` to it.
    """
    if top_k < 1:
        raise ValueError(f"top_k must be at least 1, not {top_k}.")
    candidates = top_k * CANDIDATES_PER_RESULT
    pipeline = Pipeline()
    pipeline.add_component("embedder", text_embedder(settings))
    pipeline.add_component("dense", DenseRetriever(index, top_k=candidates))
    pipeline.add_component("bm25", BM25Retriever(index, top_k=candidates))
    pipeline.add_component("conversation", ConversationRetriever(index, top_k=candidates))
    pipeline.add_component("joiner", DocumentJoiner(join_mode="reciprocal_rank_fusion", top_k=top_k))
    pipeline.connect("embedder.embedding", "dense.query_embedding")
    pipeline.connect("dense.documents", "joiner.documents")
    pipeline.connect("bm25.documents", "joiner.documents")
    pipeline.connect("conversation.documents", "joiner.documents")
    return pipeline
