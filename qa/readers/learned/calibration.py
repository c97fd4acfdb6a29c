"""The learned reader's "no answer" decision: the probability that its best span answers the question.

The span model is trained on unanswerable questions (SQuAD 2.0's, and generated news ones) to put both ends of
the answer on the [CLS] token when a window does not answer, so a span's `margin` over that "no answer" score is
the evidence. Calibration, fitted at training time on questions kept out of training (`qa.training.calibrate`) and
saved in the model's `reader.json`, maps the margin to the probability that the span is a right answer (F1 at least
one half against an accepted one); the reader declines under `threshold`, chosen on the same questions to get the
most questions right (right answers, and declines of questions without one).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Calibration:
    """`probability(margin) = sigmoid(slope * margin + intercept)`; answer when it is at least `threshold`.

    :param questions: how many validation questions it was fitted on.
    :param answered: share of the answerable ones that it answers.
    :param declined: share of the unanswerable ones that it declines.
    :param ece: expected calibration error of `probability` on those questions.
    """

    slope: float
    intercept: float
    threshold: float
    questions: int
    answered: float
    declined: float
    ece: float

    def probability(self, margin: float) -> float:
        """The calibrated probability that a span with this margin is a right answer."""
        return 1 / (1 + math.exp(-(self.slope * margin + self.intercept)))
