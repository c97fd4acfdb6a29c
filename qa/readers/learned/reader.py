"""The learned reader: the project's own span-extraction model (`qa train-reader`), shipped in `model/` beside it.

It reads the question with each retrieved passage in one batch, long passages as overlapping windows, and keeps
the best spans (`qa.readers.learned.spans`). Each span's score is the probability that it answers the question,
from the calibration fitted at training time (`qa.readers.learned.calibration`); when even the best is under the
threshold the reader declines, as the rule-based reader does when no passage supports the question.

A model trained in bfloat16 (`reader.json` says so) reads with its weights loaded in bfloat16 where `qa.precision`
says so (by default where the CPU has bfloat16 matrix units): a question's five passages in 68 ms here (p50,
`benchmarks/speed.py`), against 100 ms under bfloat16 autocast and about 160 ms in float32.
Torch's dynamic int8 quantization (`quantize=True`) costs 8 points of F1 on held-out SQuAD articles
(`benchmarks/readers.py`), and torch has deprecated it.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from haystack import Document, ExtractedAnswer, component

from qa import precision
from qa.config import SHIPPED_READER
from qa.errors import LearnedModelError
from qa.precision import Weights
from qa.readers.answers import overlapping
from qa.readers.learned.calibration import Calibration
from qa.readers.learned.spans import Span, predict_spans

SETTINGS = "reader.json"
# Candidate spans kept per window: enough for `top_k` distinct answers after overlapping ones are merged.
SPANS_PER_WINDOW = 5


@dataclass(frozen=True)
class _Loaded:
    """A model ready to read, shared by every reader over the same directory."""

    weights: Weights
    tokenizer: Any
    calibration: Calibration
    max_length: int
    stride: int
    bf16: bool  # trained in bfloat16: may read in it
    lock: threading.Lock  # a fast tokenizer must not be used by two threads at once

    def model(self) -> Any:
        """The model to read with now: in bfloat16 where it was trained so and `qa.precision` says so."""
        return self.weights.model(self.bf16 and precision.bf16())


def is_learned_model(path: str | Path) -> bool:
    """Whether `path` is a directory saved by `qa train-reader` (it has the reader's settings)."""
    return (Path(path).expanduser() / SETTINGS).is_file()


@component
class LearnedReader:
    """Extracts answer spans with the project's trained span model; declines when its best span is improbable.

    Returns Haystack `ExtractedAnswer`s like the other readers: best first, `document_offset` in the passage's
    content, scores as calibrated probabilities; a declined question yields one answer with `data=None` whose
    score is the probability that there is no answer.

    Usage example::

        reader = LearnedReader()
        reader.warm_up()
        answers = reader.run(query="Who designed the engine?", documents=passages)["answers"]
    """

    def __init__(
        self,
        model: str | Path = SHIPPED_READER,
        top_k: int = 5,
        quantize: bool = False,
    ) -> None:
        """
        :param model: a directory written by `qa train-reader`; by default the shipped model.
        :param top_k: answers returned at most.
        :param quantize: run the linear layers in int8 (faster on a CPU, less accurate).
        """
        if top_k < 1:
            raise ValueError(f"top_k must be at least 1, not {top_k}.")
        self.model = Path(model).expanduser().resolve()
        self.top_k = top_k
        self.quantize = quantize
        self._loaded: _Loaded | None = None

    def warm_up(self) -> None:
        """Load the model once per directory and process; later calls do nothing.

        :raises LearnedModelError: if the directory is not a saved learned reader.
        """
        if self._loaded is None:
            self._loaded = _load(self.model, self.quantize)
            self._loaded.model()  # in the precision questions will use

    @component.output_types(answers=list[ExtractedAnswer])
    def run(self, query: str, documents: list[Document], top_k: int | None = None) -> dict[str, list[ExtractedAnswer]]:
        """Answer `query` from `documents`.

        :returns: `answers`, best first; `[no-answer]` (`data=None`, scored by the probability that there is no
            answer) when no span reaches the threshold.
        """
        if self._loaded is None:
            raise RuntimeError("LearnedReader is not warmed up: call warm_up() first.")
        loaded, top_k = self._loaded, top_k or self.top_k
        readable = [document for document in documents if (document.content or "").strip()]
        spans: list[Span] = []
        if readable and query.strip():
            with loaded.lock:
                spans = predict_spans(
                    loaded.model(),
                    loaded.tokenizer,
                    [query] * len(readable),
                    [d.content or "" for d in readable],
                    loaded.max_length,
                    loaded.stride,
                    per_window=SPANS_PER_WINDOW,
                )
        answers: list[ExtractedAnswer] = []
        for span in spans:
            probability = loaded.calibration.probability(span.margin)
            if probability < loaded.calibration.threshold or len(answers) == top_k:
                break
            candidate = _answer(query, readable[span.context], span, probability)
            if not any(overlapping(candidate, kept) for kept in answers):
                answers.append(candidate)
        if answers:
            return {"answers": answers}
        best = loaded.calibration.probability(spans[0].margin) if spans else 0.0
        return {"answers": [ExtractedAnswer(query=query, score=round(1 - best, 4), data=None)]}


def _answer(query: str, document: Document, span: Span, probability: float) -> ExtractedAnswer:
    content = document.content or ""
    return ExtractedAnswer(
        query=query,
        score=round(probability, 4),
        data=content[span.start : span.end],
        document=document,
        context=content,
        document_offset=ExtractedAnswer.Span(span.start, span.end),
        meta={"kind": "learned"},
    )


@cache
def _load(path: Path, quantize: bool) -> _Loaded:
    """The model at `path`, loaded once per process (every Bot and chat reader shares it)."""
    settings_file = path / SETTINGS
    if not settings_file.is_file():
        raise LearnedModelError(
            f"{path} holds no learned reader (no {SETTINGS}): train one with `qa train-reader`, or give the "
            "directory it wrote."
        )
    import torch
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    settings = json.loads(settings_file.read_text(encoding="utf-8"))
    try:
        calibration = Calibration(**settings["calibration"])
    except (KeyError, TypeError) as error:
        raise LearnedModelError(
            f"{path} was saved by an older `qa train-reader`, whose reader could not decline: train it again."
        ) from error

    def load(dtype: Any) -> Any:
        model = AutoModelForQuestionAnswering.from_pretrained(path, dtype=dtype).eval()
        if quantize:
            model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        return model

    return _Loaded(
        weights=Weights(load),
        tokenizer=AutoTokenizer.from_pretrained(path),
        calibration=calibration,
        max_length=settings["max_length"],
        stride=settings["stride"],
        bf16=bool(settings.get("bf16", False)) and not quantize,  # int8 weights stay as they are
        lock=threading.Lock(),
    )
