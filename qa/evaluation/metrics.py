"""Scoring answers and retrieval against accepted answers: pure functions, SQuAD's conventions.

Answers are compared after SQuAD's normalisation (`normalize_answer`), and a prediction scores the best it does
against any accepted answer. A question with no accepted answer (the articles do not answer it) is scored as SQuAD
v2.0 does: 1 when the bot declined (its prediction is `""`), else 0, for exact match, F1 and containment alike.
"""

from __future__ import annotations

import math
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_ASCII_PUNCTUATION = frozenset(string.punctuation)


def normalize_answer(text: str) -> str:
    """SQuAD's normalisation: lower case, punctuation removed (curly quotes and dashes too), then the articles
    "a", "an" and "the", then runs of white space.

    Example: ``normalize_answer("The Cat!") == "cat"``; ``normalize_answer("“Seoul”") == "seoul"``.
    """
    return _normalize(text, "")


def _normalize(text: str, punctuation_to: str) -> str:
    text = "".join(
        punctuation_to if char in _ASCII_PUNCTUATION or unicodedata.category(char).startswith("P") else char
        for char in text.lower()
    )
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, answers: Sequence[str]) -> float:
    """1.0 if the normalised prediction equals a normalised accepted answer, else 0.0.

    Example: ``exact_match("the Cat", ["cat", "dog"]) == 1.0``. With no accepted answer, 1.0 for a decline (`""`).
    """
    if not answers:
        return float(prediction == "")
    return max(float(normalize_answer(prediction) == normalize_answer(answer)) for answer in answers)


def f1_score(prediction: str, answers: Sequence[str]) -> float:
    """The best token F1 of the prediction against an accepted answer (tokens of the normalised texts).

    Example: ``f1_score("the black cat", ["black dog"]) == 0.5`` (one shared token; precision 1/2, recall 1/2).
    Two texts that normalise to nothing score 1.0 with each other, and 0.0 with anything else (SQuAD v2.0).
    """
    if not answers:
        return float(prediction == "")
    return max(_f1(normalize_answer(prediction).split(), normalize_answer(answer).split()) for answer in answers)


def _f1(predicted: list[str], expected: list[str]) -> float:
    if not predicted or not expected:
        return float(predicted == expected)
    shared = sum((Counter(predicted) & Counter(expected)).values())
    if shared == 0:
        return 0.0
    precision, recall = shared / len(predicted), shared / len(expected)
    return 2 * precision * recall / (precision + recall)


def contains_answer(text: str, answers: Sequence[str]) -> bool:
    """Whether an accepted answer appears in `text` as whole words, after normalisation.

    Unlike `normalize_answer`, punctuation here separates words, so that an answer is found in text that glues
    sentences together ('"very regrettable".It came').

    Example: ``contains_answer("It was the special envoy for North Korea.", ["special envoy"]) is True``, but
    ``contains_answer("Seoulite", ["Seoul"]) is False``.
    """
    padded = f" {_normalize(text, ' ')} "
    return any(
        normalized and f" {normalized} " in padded for normalized in (_normalize(answer, " ") for answer in answers)
    )


def repeats_wrong(prediction: str, wrong: Sequence[str]) -> bool:
    """Whether `prediction` is one of the answers known to be `wrong`, after normalisation; `""` among them means a
    decline is wrong, and is repeated only by a decline (`""`), not by an answer that normalises to nothing.

    Example: ``repeats_wrong("The Cat!", ["cat"]) is True``; ``repeats_wrong("", ["cat"]) is False``;
    ``repeats_wrong("", [""]) is True``.
    """
    if prediction == "":
        return "" in wrong
    normalized = normalize_answer(prediction)
    return any(answer != "" and normalize_answer(answer) == normalized for answer in wrong)


def answer_rank(passages: Iterable[str], answers: Sequence[str]) -> int | None:
    """The 1-based rank of the first passage that contains an accepted answer, or None if none does."""
    for rank, passage in enumerate(passages, start=1):
        if contains_answer(passage, answers):
            return rank
    return None


def recall_at(ranks: Sequence[int | None], k: int) -> float | None:
    """The share of questions whose answer is in one of the first `k` passages; None without questions.

    Example: ``recall_at([1, 3, None], 1) == 1 / 3`` and ``recall_at([1, 3, None], 5) == 2 / 3``.
    """
    if not ranks:
        return None
    return sum(1 for rank in ranks if rank is not None and rank <= k) / len(ranks)


def mean_reciprocal_rank(ranks: Sequence[int | None]) -> float | None:
    """The mean of 1/rank, a question whose answer was not retrieved counting 0; None without questions.

    Example: ``mean_reciprocal_rank([1, 4, None]) == (1 + 0.25 + 0) / 3``.
    """
    if not ranks:
        return None
    return sum(1 / rank for rank in ranks if rank is not None) / len(ranks)


def no_answer_precision_recall(
    answerable: Sequence[bool], declined: Sequence[bool]
) -> tuple[float | None, float | None]:
    """How well the bot declines, per question: (precision, recall), each None where it would be 0/0.

    Precision: of the questions the bot declined, the share that had no accepted answer.
    Recall: of the questions that had no accepted answer, the share the bot declined.

    Example: ``no_answer_precision_recall([True, False, False], [True, True, False]) == (0.5, 0.5)``.
    """
    declined_count = sum(declined)
    unanswerable_count = sum(1 for has_answer in answerable if not has_answer)
    correct = sum(1 for has_answer, no in zip(answerable, declined, strict=True) if no and not has_answer)
    precision = correct / declined_count if declined_count else None
    recall = correct / unanswerable_count if unanswerable_count else None
    return precision, recall


def percentile(values: Sequence[float], share: float) -> float | None:
    """The `share` (0-100) percentile by linear interpolation between closest ranks (NumPy's default); None if
    there are no values.

    Example: ``percentile([10, 20, 30, 40], 50) == 25.0``.
    """
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * share / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def reliability_bins(
    confidences: Sequence[float], correct: Sequence[bool], bins: int = 10
) -> list[tuple[float, float, float, int]]:
    """Predicted confidence against observed accuracy, in `bins` equal-width bins of confidence (the points of a
    reliability diagram): `(low, mean confidence, accuracy, count)` for each bin that holds a prediction."""
    grouped: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    for confidence, right in zip(confidences, correct, strict=True):
        grouped[min(int(confidence * bins), bins - 1)].append((confidence, right))
    return [
        (number / bins, sum(c for c, _ in group) / len(group), sum(r for _, r in group) / len(group), len(group))
        for number, group in enumerate(grouped)
        if group
    ]


def expected_calibration_error(confidences: Sequence[float], correct: Sequence[bool], bins: int = 10) -> float | None:
    """How far confidence is from accuracy, on average over predictions: the bins' |accuracy - confidence|,
    weighted by how many predictions each holds. 0 for a perfectly calibrated score; None without predictions."""
    if not confidences:
        return None
    total = len(confidences)
    filled = reliability_bins(confidences, correct, bins)
    return sum(count / total * abs(accuracy - mean) for _, mean, accuracy, count in filled)
