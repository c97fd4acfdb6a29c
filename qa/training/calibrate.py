"""Fitting the learned reader's "no answer" calibration (`qa.readers.learned.calibration.Calibration`).

It is fitted on validation questions that training never saw: SQuAD 2.0 articles kept out (their real unanswerable
questions are written to look answerable) and the generated questions of the validation news articles (quotes of
people never quoted, questions read with another article's passage). Each is read with its passage; the best
span's margin over "no answer" is the one feature of a logistic fit to whether that span is right (F1 of at least
one half). The threshold is then the probability that gets the most validation questions right.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from qa.evaluation.metrics import expected_calibration_error, f1_score, reliability_bins
from qa.evaluation.squad import SquadExample
from qa.readers.learned.calibration import Calibration
from qa.readers.learned.spans import Span, predict_spans


@dataclass(frozen=True)
class Fitted:
    """The calibration, and its reliability diagram on the validation questions (`metrics.reliability_bins`)."""

    calibration: Calibration
    reliability: list[tuple[float, float, float, int]]


def calibrate(model: Any, tokenizer: Any, questions: Sequence[SquadExample], config: Any) -> Fitted:
    """Fit the calibration and threshold on `questions`, each read with its own `context`.

    :param config: anything with the reader's `max_length`, `stride` and `bf16`.
    :raises ValueError: without both answerable and unanswerable questions (nothing to tell apart).
    """
    if not any(q.answerable for q in questions) or all(q.answerable for q in questions):
        raise ValueError("Calibration needs answerable and unanswerable validation questions.")
    best = best_spans(model, tokenizer, questions, config)
    margins = [span.margin if span else -100.0 for span in best]
    right = [_right(question, span) for question, span in zip(questions, best, strict=True)]
    slope, intercept = _fit(margins, [float(r) for r in right])
    fitted = Calibration(round(slope, 5), round(intercept, 5), 0.5, len(questions), 0.0, 0.0, 0.0)
    probabilities = [fitted.probability(m) for m in margins]
    threshold = _threshold(probabilities, right, [q.answerable for q in questions])
    answerable = [p for p, q in zip(probabilities, questions, strict=True) if q.answerable]
    unanswerable = [p for p, q in zip(probabilities, questions, strict=True) if not q.answerable]
    calibration = Calibration(
        fitted.slope,
        fitted.intercept,
        round(threshold, 4),
        len(questions),
        answered=round(sum(p >= threshold for p in answerable) / len(answerable), 4),
        declined=round(sum(p < threshold for p in unanswerable) / len(unanswerable), 4),
        ece=round(expected_calibration_error(probabilities, right) or 0.0, 4),
    )
    return Fitted(calibration, reliability_bins(probabilities, right))


def best_spans(model: Any, tokenizer: Any, questions: Sequence[SquadExample], config: Any) -> list[Span | None]:
    """Each question's best span (by margin) in its own context, or None where the model finds none.

    With `config.bf16` it reads as the reader will: on a bfloat16 copy of the weights.
    """
    reading = copy.deepcopy(model).to(torch.bfloat16) if config.bf16 else model
    found: list[Span | None] = []
    for first in range(0, len(questions), 32):
        chunk = questions[first : first + 32]
        asked, contexts = [q.question for q in chunk], [q.context for q in chunk]
        spans = predict_spans(reading, tokenizer, asked, contexts, config.max_length, config.stride, 1)
        best: dict[int, Span] = {}
        for span in spans:  # best first
            best.setdefault(span.context, span)
        found.extend(best.get(number) for number in range(len(chunk)))
    return found


def _right(question: SquadExample, span: Span | None) -> bool:
    """Whether answering with `span` is right: the question has an answer and the span matches it (F1 ≥ 0.5)."""
    if span is None or not question.answerable:
        return False
    return f1_score(question.context[span.start : span.end], question.answers) >= 0.5


def _threshold(probabilities: Sequence[float], right: Sequence[bool], answerable: Sequence[bool]) -> float:
    """The probability threshold that gets the most questions right: an answer above it must be right, a question
    declined below it must have no answer."""

    def correct(threshold: float) -> int:
        return sum((r if p >= threshold else not a) for p, r, a in zip(probabilities, right, answerable, strict=True))

    candidates = sorted({round(p, 4) for p in probabilities} | {0.5})
    return max(candidates, key=lambda t: (correct(t), -abs(t - 0.5)))


def _fit(x: list[float], y: list[float], steps: int = 500) -> tuple[float, float]:
    """Logistic regression of `y` on one feature `x`: (slope, intercept)."""
    features, labels = torch.tensor(x), torch.tensor(y)
    mean, spread = features.mean(), features.std().clamp(min=1e-6)
    weights = torch.zeros(2, requires_grad=True)
    optimizer = torch.optim.LBFGS([weights], max_iter=steps)

    def loss() -> torch.Tensor:
        optimizer.zero_grad()
        value = torch.nn.functional.binary_cross_entropy_with_logits(
            weights[0] * (features - mean) / spread + weights[1], labels
        )
        value.backward()
        return value

    optimizer.step(loss)
    scale, shift = weights.detach().tolist()
    slope = scale / float(spread)
    return slope, shift - slope * float(mean)
