"""Scoring functions against hand-computed values, including SQuAD's own normalisation cases."""

from __future__ import annotations

import pytest

from qa.evaluation.metrics import (
    answer_rank,
    contains_answer,
    exact_match,
    expected_calibration_error,
    f1_score,
    mean_reciprocal_rank,
    no_answer_precision_recall,
    normalize_answer,
    percentile,
    recall_at,
    reliability_bins,
    repeats_wrong,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Cat!", "cat"),
        ("  a  dog", "dog"),
        ("An apple, the pear and a plum.", "apple pear and plum"),
        ("“Seoul”", "seoul"),
        ("\u2018very regrettable\u2019", "very regrettable"),
        ("Kim Jong-Un's", "kim jonguns"),  # punctuation is deleted, not replaced: SQuAD's rule
        ("U.S.", "us"),
        ("theatre", "theatre"),  # an article only as a whole word
        ("\tTHE\nEnd…", "end"),
        ("", ""),
    ],
)
def test_normalize_answer(text: str, expected: str) -> None:
    assert normalize_answer(text) == expected


@pytest.mark.parametrize(
    ("prediction", "answers", "expected"),
    [
        ("The Cat!", ["cat"], 1.0),
        ("cat", ["dog", "the cat"], 1.0),
        ("black cat", ["cat"], 0.0),
        ("", [], 1.0),  # declined a question without answer
        ("Seoul", [], 0.0),  # answered it
        ("", ["Seoul"], 0.0),
    ],
)
def test_exact_match(prediction: str, answers: list[str], expected: float) -> None:
    assert exact_match(prediction, answers) == expected


@pytest.mark.parametrize(
    ("prediction", "answers", "expected"),
    [
        ("the black cat", ["black dog"], 0.5),  # 1 shared of 2 and 2: P 1/2, R 1/2
        (
            "President Joe Biden\u2019s special envoy for North Korea",
            ["special envoy for North Korea"],
            10 / 13,
        ),  # P 5/8, R 5/5
        ("a cat sat", ["cat sat on mat"], 2 * (1 * 0.5) / 1.5),  # P 2/2, R 2/4
        ("cat cat", ["cat"], 2 * (0.5 * 1) / 1.5),  # repeated tokens count once each: P 1/2, R 1/1
        ("dog", ["cat", "dog house"], 2 * (1 * 0.5) / 1.5),  # best over answers
        ("Tokyo", ["Seoul"], 0.0),
        ("", [], 1.0),
        ("Seoul", [], 0.0),
        ("the", ["a"], 1.0),  # both normalise to nothing
        ("the", ["Seoul"], 0.0),
    ],
)
def test_f1_score(prediction: str, answers: list[str], expected: float) -> None:
    assert f1_score(prediction, answers) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "answers", "expected"),
    [
        ("It was the special envoy for North Korea.", ["special envoy"], True),
        ("Seoulite", ["Seoul"], False),
        ('calling the launches "very regrettable".It came hours after', ["very regrettable"], True),
        ("The “Quoted” Words", ["quoted words"], True),
        ("anything", [], False),
        ("anything", ["!!"], False),  # an answer that normalises to nothing is never found
    ],
)
def test_contains_answer(text: str, answers: list[str], expected: bool) -> None:
    assert contains_answer(text, answers) is expected


@pytest.mark.parametrize(
    ("prediction", "wrong", "expected"),
    [
        ("The Cat!", ["cat"], True),
        ("black cat", ["cat"], False),
        ("", ["cat"], False),  # a decline is not the wrong answer
        ("", [""], True),  # declining was what was wrong
        ("the", [""], False),  # an answer that normalises to nothing is still an answer
        ("Seoul", ["", "seoul"], True),
        ("Seoul", [], False),
    ],
)
def test_repeats_wrong(prediction: str, wrong: list[str], expected: bool) -> None:
    assert repeats_wrong(prediction, wrong) is expected


def test_answer_rank_is_the_first_passage_with_an_answer() -> None:
    passages = ["Nothing here.", "Met in Seoul.", "Seoul again."]

    assert answer_rank(passages, ["Seoul"]) == 2
    assert answer_rank(passages, ["Tokyo", "nothing"]) == 1
    assert answer_rank(passages, ["Tokyo"]) is None
    assert answer_rank([], ["Seoul"]) is None


def test_recall_and_mrr_by_hand() -> None:
    ranks = [1, 3, None, 6]

    assert recall_at(ranks, 1) == 0.25
    assert recall_at(ranks, 5) == 0.5
    assert recall_at(ranks, 6) == 0.75
    assert mean_reciprocal_rank(ranks) == pytest.approx((1 + 1 / 3 + 0 + 1 / 6) / 4)
    assert recall_at([], 5) is None and mean_reciprocal_rank([]) is None


@pytest.mark.parametrize(
    ("answerable", "declined", "expected"),
    [
        ([True, False, False], [True, True, False], (0.5, 0.5)),
        ([False, False, True, True], [True, True, False, False], (1.0, 1.0)),
        ([True, True], [False, False], (None, None)),  # nothing declined, nothing unanswerable: 0/0 twice
        ([True, False], [False, False], (None, 0.0)),  # declined nothing: precision 0/0, recall 0/1
        ([True, True], [True, False], (0.0, None)),  # declined an answerable one; nothing was unanswerable
    ],
)
def test_no_answer_precision_recall(
    answerable: list[bool], declined: list[bool], expected: tuple[float | None, float | None]
) -> None:
    assert no_answer_precision_recall(answerable, declined) == expected


def test_percentile_interpolates_like_numpy() -> None:
    assert percentile([10, 20, 30, 40], 50) == 25.0
    assert percentile([40, 10, 30, 20], 95) == pytest.approx(38.5)
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) is None


def test_reliability_bins_and_calibration_error_by_hand() -> None:
    confidences = [0.9, 0.9, 0.12, 0.1, 1.0]
    right = [True, False, False, False, True]

    bins = reliability_bins(confidences, right)
    assert [(low, count) for low, _, _, count in bins] == [(0.1, 2), (0.9, 3)]  # a score of 1.0 is in the top bin
    assert bins[0][1:3] == pytest.approx((0.11, 0.0)) and bins[1][1:3] == pytest.approx((2.8 / 3, 2 / 3))
    # |0 - 0.11| * 2/5 + |2/3 - 2.8/3| * 3/5
    assert expected_calibration_error(confidences, right) == pytest.approx(0.044 + 0.16)
    assert expected_calibration_error([0.7] * 10, [True] * 7 + [False] * 3) == pytest.approx(0.0)
    assert expected_calibration_error([], []) is None
