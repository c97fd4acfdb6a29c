"""Answer spans from a span-extraction model: the windows it reads and the spans its logits pick.

Training and reading must cut passages into the same windows, or the model reads at run time something it was
never trained on; both use `encode_windows`. A passage longer than the window is read as overlapping windows
(`stride` tokens shared by neighbours), so an answer near a cut is whole in at least one of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

# Longest answer considered, in tokens: SQuAD answers are short (99% under 30 tokens), and a bound stops a span
# from swallowing a paragraph when its two ends are each plausible alone.
MAX_ANSWER_TOKENS = 30


@dataclass(frozen=True)
class Span:
    """A candidate answer: characters `start:end` of context number `context`, with the model's `logit`
    (start logit + end logit) and its window's `null` logit (the same at the [CLS] token: "no answer here").

    The model is trained to put both ends on [CLS] when its window does not answer, so `margin`, how far the span
    beats that, is what tells an answer from a guess, and what spans of different windows are ranked by.
    """

    context: int
    start: int
    end: int
    logit: float
    null: float

    @property
    def margin(self) -> float:
        return self.logit - self.null


def encode_windows(
    tokenizer: Any, questions: Sequence[str], contexts: Sequence[str], max_length: int, stride: int
) -> Any:
    """Tokenize question/context pairs into windows of at most `max_length` tokens, padded to the longest.

    The result has `overflow_to_sample_mapping` (the pair each window came from) and `offset_mapping` (each
    token's characters in its context, or in the question).
    """
    return tokenizer(
        list(questions),
        list(contexts),
        truncation="only_second",
        max_length=max_length,
        stride=stride,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        padding="longest",
        return_tensors="pt",
    )


def context_mask(encoded: Any) -> torch.Tensor:
    """True at the tokens of each window that belong to the context (not the question or special tokens)."""
    rows = [[sequence == 1 for sequence in encoded.sequence_ids(i)] for i in range(len(encoded["input_ids"]))]
    return torch.tensor(rows, dtype=torch.bool)


def best_spans(
    start_logits: torch.Tensor,
    end_logits: torch.Tensor,
    encoded: Any,
    per_window: int = 3,
    max_answer_tokens: int = MAX_ANSWER_TOKENS,
) -> list[Span]:
    """The `per_window` best spans of each window, as characters of their contexts, best first overall (by margin).

    A span starts and ends inside the context, ends at or after its start, and is at most `max_answer_tokens` long.
    """
    mask = context_mask(encoded)
    nulls = (start_logits[:, 0] + end_logits[:, 0]).float().tolist()
    length = start_logits.shape[-1]
    start = start_logits.float().masked_fill(~mask, -torch.inf)
    end = end_logits.float().masked_fill(~mask, -torch.inf)
    scores = start.unsqueeze(-1) + end.unsqueeze(-2)  # (window, start token, end token)
    allowed = torch.triu(torch.ones(length, length, dtype=torch.bool)) & ~torch.triu(
        torch.ones(length, length, dtype=torch.bool), diagonal=max_answer_tokens
    )
    scores = scores.masked_fill(~allowed, -torch.inf).flatten(1)
    top = torch.topk(scores, min(per_window, scores.shape[-1]), dim=-1)
    offsets = encoded["offset_mapping"]
    samples = encoded["overflow_to_sample_mapping"]
    spans: list[Span] = []
    for window in range(scores.shape[0]):
        for value, flat in zip(top.values[window].tolist(), top.indices[window].tolist(), strict=True):
            if value == -float("inf"):
                break
            first, last = divmod(flat, length)
            start_char, end_char = int(offsets[window][first][0]), int(offsets[window][last][1])
            spans.append(Span(int(samples[window]), start_char, end_char, value, nulls[window]))
    return sorted(spans, key=lambda span: -span.margin)


def predict_spans(
    model: Any,
    tokenizer: Any,
    questions: Sequence[str],
    contexts: Sequence[str],
    max_length: int,
    stride: int,
    per_window: int = 3,
) -> list[Span]:
    """The best spans the model finds for each question/context pair, best first; `Span.context` is the pair's index.

    The model reads in the precision it was loaded in (`qa.precision.Weights`); spans are scored in float32 either
    way.

    One forward pass over all the pairs' windows: the caller keeps the batch small enough (a question's top-k
    passages, or a few dozen evaluation pairs).
    """
    encoded = encode_windows(tokenizer, questions, contexts, max_length, stride)
    inputs = {key: encoded[key] for key in ("input_ids", "attention_mask", "token_type_ids") if key in encoded}
    with torch.inference_mode():
        output = model(**inputs)
    return best_spans(output.start_logits, output.end_logits, encoded, per_window)
