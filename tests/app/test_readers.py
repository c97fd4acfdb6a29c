"""The readers the chat offers: the built-in ones and the model directories configured at launch, nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.app.readers import ReaderChoices
from qa.errors import ReaderModelError
from tests.app.conftest import fake_model


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    return fake_model(tmp_path / "news-reader")


def test_a_configured_model_is_offered_by_its_directorys_name(model_dir: Path) -> None:
    choices = ReaderChoices.configure([model_dir])

    assert choices.labels() == [
        ("Learned model (default)", "learned"),
        ("Learned model + rules' quotes", "hybrid"),
        ("Rules", "rules"),
        ("news-reader", "news-reader"),
    ]
    assert choices.reader("news-reader") == str(model_dir.resolve())


@pytest.mark.parametrize(
    ("name", "expected"), [(None, None), ("learned", None), ("hybrid", "hybrid"), ("rules", "rules")]
)
def test_the_built_in_readers_are_named_as_the_bot_takes_them(name: str | None, expected: str | None) -> None:
    assert ReaderChoices().reader(name) == expected


@pytest.mark.parametrize("name", ["/etc", "/root", ".", "", "news-reader", "../news-reader", "x" * 10_000])
def test_any_other_name_is_refused_with_the_valid_ones(name: str) -> None:
    with pytest.raises(ReaderModelError, match=r"^Unknown reader .{0,60}\. Choose one of: learned, hybrid, rules\.$"):
        ReaderChoices().reader(name)


@pytest.mark.parametrize(
    ("relative", "expected_error"),
    [
        ("missing", "is not a question-answering model directory"),
        ("empty", "is not a question-answering model directory"),
        ("rules", "the name of a built-in reader"),
    ],
)
def test_a_launch_with_a_path_that_is_not_a_model_directory_is_refused(
    tmp_path: Path, relative: str, expected_error: str
) -> None:
    (tmp_path / "empty").mkdir()
    fake_model(tmp_path / "rules")

    with pytest.raises(ReaderModelError, match=expected_error):
        ReaderChoices.configure([tmp_path / relative])


def test_two_models_of_the_same_name_are_refused(model_dir: Path, tmp_path: Path) -> None:
    other = fake_model(tmp_path / "elsewhere" / "news-reader")

    with pytest.raises(ReaderModelError, match=f"the name of '{model_dir.resolve()}'"):
        ReaderChoices.configure([model_dir, other])
