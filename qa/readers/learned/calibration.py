"""The learned reader's "no answer" decision: the probability that its best span answers the question.

The calibration is fitted at training time (`qa.training.calibrate`) and saved in the model's `reader.json`. A span
model trained on SQuAD v1.1 always finds some span: every training question had an answer. What tells an
answer from a guess is how high the best span scores (its start logit plus end logit). Calibration maps that score
to the probability that the passage really answers the question, with a logistic fit on two kinds of pairs:

- a calibration question with its own paragraph (answered), and
- the same question with the paragraph of *another* article that shares the most words with it (not answered):
  the hard case in use, where retrieval brings a passage on the same topic that lacks the answer.

The reader declines when the probability of its best span is under one half.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Calibration:
    """`probability(logit) = sigmoid(slope * logit + intercept)`; answer when it is at least `threshold`.

    :param answered_own: share of calibration questions answered when read with their own paragraph.
    :param declined_other: share declined when read with another article's closest paragraph.
    """

    slope: float
    intercept: float
    threshold: float
    questions: int
    answered_own: float
    declined_other: float

    def probability(self, logit: float) -> float:
        """The calibrated probability that a span with this logit answers the question."""
        return 1 / (1 + math.exp(-(self.slope * logit + self.intercept)))
