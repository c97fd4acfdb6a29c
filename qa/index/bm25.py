"""BM25 over the passages, beside the dense store: the exact words (names, numbers) that embeddings blur."""

from __future__ import annotations

import functools
import json
import logging
import threading
from collections.abc import Iterable
from pathlib import Path

import bm25s
import Stemmer
from haystack import Document

logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets itself to DEBUG on import

# bm25s keeps its arrays in .npy files, whose headers numpy parses with `ast.literal_eval`; CPython 3.11's AST
# constructor is not safe in two threads at once (SystemError "AST constructor recursion depth mismatch",
# CPython gh-106905), so loads in one process take turns.
_NPY_LOCK = threading.Lock()


class BM25:
    """BM25 over passage texts (bm25s: sparse matrices, fast at any size), stemmed English with stopwords removed."""

    _stemmer = Stemmer.Stemmer("english")

    def __init__(self, model: bm25s.BM25, ids: list[str]) -> None:
        self.model = model
        self.ids = ids

    @classmethod
    def build(cls, documents: Iterable[Document]) -> BM25:
        """Index `documents`, tokenising them a page at a time so that their texts are never all in memory."""
        ids: list[str] = []
        tokens: list[list[str]] = []
        page: list[Document] = []
        for document in documents:
            page.append(document)
            if len(page) == 1000:
                tokens.extend(cls._page_tokens(page, ids))
                page = []
        tokens.extend(cls._page_tokens(page, ids))
        model = bm25s.BM25()
        if tokens:
            model.index(tokens, show_progress=False)
        return cls(model, ids)

    @classmethod
    def _page_tokens(cls, page: list[Document], ids: list[str]) -> list[list[str]]:
        ids.extend(doc.id for doc in page)
        return cls.tokenize([f"{doc.meta.get('title', '')}\n{doc.content}" for doc in page]) if page else []

    @classmethod
    def tokenize(cls, texts: list[str]) -> list[list[str]]:
        tokens: list[list[str]] = bm25s.tokenize(
            texts, stopwords="en", stemmer=cls._stemmer, return_ids=False, show_progress=False
        )
        return tokens

    def search(self, query: str, top_k: int) -> list[tuple[str, float]]:
        """`(passage id, score)` pairs, best first; passages sharing no word with the query are left out."""
        if not self.ids:
            return []
        tokens = self.tokenize([query])
        if not tokens[0]:
            return []
        found, scores = self.model.retrieve(tokens, k=min(top_k, len(self.ids)), show_progress=False)
        return [(self.ids[i], float(s)) for i, s in zip(found[0], scores[0], strict=True) if s > 0]

    def search_among(self, query: str, ids: Iterable[str], top_k: int) -> list[tuple[str, float]]:
        """`search`, but only among the passages `ids` (those of the articles a conversation is about)."""
        tokens = self.tokenize([query])
        rows = [self._rows[i] for i in ids if i in self._rows]
        if not rows or not tokens[0]:
            return []
        scores = self.model.get_scores(tokens[0])[rows]
        best = sorted(range(len(rows)), key=lambda n: -scores[n])[:top_k]
        return [(self.ids[rows[n]], float(scores[n])) for n in best if scores[n] > 0]

    @functools.cached_property
    def _rows(self) -> dict[str, int]:
        return {passage_id: row for row, passage_id in enumerate(self.ids)}

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True)
        if self.ids:
            self.model.save(str(directory))
        (directory / "ids.json").write_text(json.dumps(self.ids), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> BM25:
        ids = json.loads((directory / "ids.json").read_text(encoding="utf-8"))
        with _NPY_LOCK:
            model = bm25s.BM25.load(str(directory)) if ids else bm25s.BM25()
        return cls(model, ids)
