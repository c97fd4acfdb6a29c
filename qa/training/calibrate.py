"""Fitting the learned reader's "no answer" calibration (`qa.readers.learned.calibration.Calibration`).

The fit is logistic, on two kinds of pairs read by the trained model: a calibration question with its own paragraph
(answered), and the same question with the paragraph of another article that shares the most words with it (not
answered), the hard case in use, where retrieval brings a passage on the same topic that lacks the answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import torch

from qa.evaluation.squad import SquadExample
from qa.readers.learned.calibration import Calibration
from qa.readers.learned.spans import predict_spans

_WORD = re.compile(r"\w{4,}")


def calibrate(
    model: Any, tokenizer: Any, questions: Sequence[SquadExample], corpus: Sequence[SquadExample], config: Any
) -> Calibration:
    """Fit the calibration on `questions`, with hard negatives drawn from the paragraphs of `corpus`.

    :param config: anything with the reader's `max_length` and `stride`.
    """
    positives = _best_logits(model, tokenizer, questions, [q.context for q in questions], config)
    paragraphs = {example.context: (example.title, _words(example.context)) for example in corpus}
    others = [_closest_other(question, paragraphs) for question in questions]
    negatives = _best_logits(model, tokenizer, questions, others, config)
    slope, intercept = _fit(positives + negatives, [1.0] * len(positives) + [0.0] * len(negatives))
    fitted = Calibration(round(slope, 5), round(intercept, 5), 0.5, len(questions), 0.0, 0.0)
    answered = sum(fitted.probability(x) >= fitted.threshold for x in positives) / len(positives)
    declined = sum(fitted.probability(x) < fitted.threshold for x in negatives) / len(negatives)
    return replace(fitted, answered_own=round(answered, 4), declined_other=round(declined, 4))


def _best_logits(
    model: Any, tokenizer: Any, questions: Sequence[SquadExample], contexts: Sequence[str], config: Any
) -> list[float]:
    logits: list[float] = []
    for first in range(0, len(questions), 32):
        chunk = questions[first : first + 32]
        spans = predict_spans(
            model,
            tokenizer,
            [q.question for q in chunk],
            contexts[first : first + 32],
            config.max_length,
            config.stride,
            per_window=1,
        )
        best: dict[int, float] = {}
        for span in spans:
            best.setdefault(span.context, span.logit)
        logits.extend(best.get(number, -100.0) for number in range(len(chunk)))
    return logits


def _closest_other(question: SquadExample, paragraphs: dict[str, tuple[str, set[str]]]) -> str:
    """The paragraph of another article that shares the most (4+ letter) words with the question."""
    words = _words(question.question)
    others = ((len(words & held), text) for text, (title, held) in paragraphs.items() if title != question.title)
    return max(others)[1]


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


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
