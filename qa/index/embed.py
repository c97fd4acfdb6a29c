"""The sentence-transformers encoders of passages and of questions, as Haystack components.

Haystack's own embedders cannot run the model in bfloat16, which about doubles its throughput on a CPU with matrix
units (`qa.precision`). These do, and besides:

- one loaded model per process serves both components and every `Bot`;
- the packaged model runs without importing sentence-transformers (`MeanPooled`), which was most of the start-up;
- its fast tokenizer, which two threads must not use at once ("Already borrowed", huggingface/tokenizers#537),
  is guarded by a lock held only while tokenizing, so the chat's workers can embed questions while an upload embeds
  passages: the forward passes run side by side;
- a question's embedding is a numpy array, not a list: Haystack's pipeline deep-copies every component's inputs,
  a list element by element (8 ms for 384 floats here, more than the dense search), an array in one step.

The text embedded for a passage is its title and its content joined by a newline, as Haystack's
`meta_fields_to_embed=["title"]` does, so indexes built before these components keep their meaning.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from haystack import Document, component

from qa import precision
from qa.precision import Weights

# Passages per forward pass: past 32 the throughput no longer grows on a 2-core CPU (`benchmarks/speed.py`).
BATCH_SIZE = 32


@dataclass(frozen=True)
class Encoder:
    """A sentence-transformers model (loaded in each precision when first used) and the lock around its tokenizer."""

    weights: Weights
    lock: threading.Lock

    def encode(self, texts: Sequence[str], bf16: bool, batch_size: int = BATCH_SIZE) -> np.ndarray:
        """Unit-length float32 embeddings of `texts`, in their order.

        Texts are batched by length, longest first, so a batch pads little; with `bf16` the forward pass runs on the
        bfloat16 weights and its output is converted back to float32.
        """
        import torch

        model = self.weights.model(bf16)
        embeddings = np.zeros((len(texts), model.get_embedding_dimension()), dtype=np.float32)
        order = np.argsort([-len(text) for text in texts], kind="stable")
        for start in range(0, len(texts), batch_size):
            batch = order[start : start + batch_size]
            with self.lock:
                features = model.preprocess([texts[i] for i in batch])
            with torch.inference_mode():
                pooled = model(features)["sentence_embedding"]
            embeddings[batch] = torch.nn.functional.normalize(pooled.float(), dim=1).numpy()
        return embeddings


@cache
def load_encoder(path: str) -> Encoder:
    """The model at `path` (a local directory), loaded once per process.

    A model made of a transformer, mean pooling and normalisation (all-MiniLM-L6-v2, the packaged one) is run by
    `MeanPooled`, without importing sentence-transformers: that import (scikit-learn and more) took 3-6 s of the
    chat's start here, more than loading the model. Any other sentence-transformers model is loaded by it.
    """
    if MeanPooled.fits(Path(path)):
        return Encoder(Weights(lambda dtype: MeanPooled(Path(path), dtype)), threading.Lock())

    def load(dtype: Any) -> Any:
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(path, device="cpu", local_files_only=True, model_kwargs={"dtype": dtype})

    return Encoder(Weights(load), threading.Lock())


class MeanPooled:
    """A sentence-transformers model of three modules (Transformer, Pooling of mean tokens, Normalize) run with
    transformers alone: the same tokens, the same mean over the real (unpadded) tokens, so the embeddings are those
    sentence-transformers gives (`tests/index/test_embed.py`).

    It offers the part of `SentenceTransformer` that `Encoder.encode` uses: `preprocess`, a call returning the
    `sentence_embedding`, and `get_embedding_dimension`.
    """

    MODULES = (
        "sentence_transformers.models.Transformer",
        "sentence_transformers.models.Pooling",
        "sentence_transformers.models.Normalize",
    )

    def __init__(self, path: Path, dtype: Any) -> None:
        from transformers import AutoModel, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        self.model = AutoModel.from_pretrained(path, local_files_only=True, dtype=dtype).eval()
        self.max_length = int(_json(path / "sentence_bert_config.json")["max_seq_length"])

    @classmethod
    def fits(cls, path: Path) -> bool:
        """Whether the model at `path` is one this class computes exactly as sentence-transformers does."""
        try:
            modules = _json(path / "modules.json")
            pooling = _json(path / modules[1]["path"] / "config.json")
            _json(path / "sentence_bert_config.json")["max_seq_length"]
        except (OSError, ValueError, KeyError, IndexError, TypeError):
            return False
        modes = {key for key, value in pooling.items() if key.startswith("pooling_mode") and value}
        return tuple(module.get("type") for module in modules) == cls.MODULES and modes == {"pooling_mode_mean_tokens"}

    def get_embedding_dimension(self) -> int:
        return int(self.model.config.hidden_size)

    def preprocess(self, texts: list[str]) -> dict[str, Any]:
        """The tokens of `texts` stripped (as sentence-transformers does), padded to the longest, cut at the model's
        `max_seq_length`."""
        stripped = [text.strip() for text in texts]
        return dict(
            self.tokenizer(stripped, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt")
        )

    def __call__(self, features: dict[str, Any]) -> dict[str, Any]:
        import torch

        tokens = self.model(**features).last_hidden_state
        mask = features["attention_mask"].unsqueeze(-1).to(tokens.dtype)
        # Summed in float32 whatever the model's dtype, as sentence-transformers does: a bfloat16 sum of 256 tokens
        # would round away what tells close passages apart.
        total = (tokens * mask).sum(dim=1, dtype=torch.float32)
        mean = total / mask.sum(dim=1, dtype=torch.float32).clamp(min=1e-9)
        # Normalised in the model's dtype, as its Normalize module does, so that bfloat16 embeddings round alike.
        return {"sentence_embedding": torch.nn.functional.normalize(mean.to(tokens.dtype), dim=1)}


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


class _Embedder:
    """What both components share: the model they load on `warm_up` (or at their first run)."""

    def __init__(self, model: str) -> None:
        """:param model: the sentence-transformers model directory (`IndexSettings.model_path()`)."""
        self.model = model
        self._encoder: Encoder | None = None

    def warm_up(self) -> None:
        self._loaded().weights.model(precision.bf16())  # in the precision questions will use

    def _loaded(self) -> Encoder:
        if self._encoder is None:
            self._encoder = load_encoder(self.model)
        return self._encoder

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        return self._loaded().encode(texts, bf16=precision.bf16())


@component
class PassageEmbedder(_Embedder):
    """Embeds passages with their article's title, for the dense store.

    Usage example::

        embedder = PassageEmbedder(IndexSettings().model_path())
        documents = embedder.run(documents=passages)["documents"]  # each with its `embedding`
    """

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict[str, list[Document]]:
        """`documents` with their `embedding` set (unit length, float32 values)."""
        texts = [passage_text(document) for document in documents]
        embeddings = self._encode(texts) if texts else np.zeros((0, 0), dtype=np.float32)
        return {
            "documents": [
                replace(document, embedding=embedding.tolist())
                for document, embedding in zip(documents, embeddings, strict=True)
            ]
        }


@component
class QueryEmbedder(_Embedder):
    """Embeds a question, for dense retrieval.

    Usage example::

        embedding = QueryEmbedder(IndexSettings().model_path()).run(text="What did Sung Kim say?")["embedding"]
    """

    @component.output_types(embedding=np.ndarray)
    def run(self, text: str) -> dict[str, np.ndarray]:
        """The question's embedding (unit length, float32)."""
        return {"embedding": self._encode([text])[0]}


def passage_text(document: Document) -> str:
    """What is embedded for a passage: its title (if it has one), a newline, its content."""
    title = document.meta.get("title")
    return "\n".join([*([str(title)] if title else []), document.content or ""])
