"""The news question generator, on real BBC articles of the two training folders."""

from __future__ import annotations

import pytest

from qa.evaluation.squad import SquadExample
from qa.training.news import TRAINING_FOLDERS, generate, is_validation
from tests.conftest import shared_file
from tests.squad_files import BBC

pytestmark = pytest.mark.slow  # parses real articles with spaCy


@pytest.fixture(scope="module")
def examples() -> list[SquadExample]:
    return generate(shared_file(BBC), seed=7, limit=60)


def test_answers_are_exact_spans_of_their_passage(examples: list[SquadExample]) -> None:
    answerable = [e for e in examples if e.answerable]
    assert {"quote", "entity"} <= {e.kind for e in answerable}
    for example in answerable:
        assert example.context[example.answer_start :].startswith(example.answers[0]), example
        assert example.question.endswith("?") and example.answers[0].strip() == example.answers[0]


def test_unanswerable_questions_have_no_answer_in_their_passage(examples: list[SquadExample]) -> None:
    by_id = {e.id: e for e in examples}
    unanswerable = [e for e in examples if not e.answerable]
    assert {"unquoted person", "other article"} <= {e.kind for e in unanswerable}
    for example in unanswerable:
        assert example.answers == () and example.answer_start == -1
    for example in (e for e in unanswerable if e.kind == "other article"):
        source = by_id[example.id.removesuffix("-other")]
        assert example.title == source.title and example.question == source.question
        assert example.context != source.context and source.answers[0].lower() not in example.context.lower()
    for example in (e for e in unanswerable if e.kind == "unquoted person"):
        assert '"' in example.context  # a passage that quotes somebody else: the hard case


def test_quote_questions_ask_about_a_named_speaker_in_varied_words(examples: list[SquadExample]) -> None:
    quotes = [e for e in examples if e.kind == "quote"]
    assert len(quotes) >= 20
    assert len({e.question.split(" ")[0:2][1] for e in quotes}) >= 3  # "did", "was", ...: not one template
    for example in quotes:
        start = example.answer_start
        assert '"' in example.context[max(0, start - 1) : start + 1], example  # the words inside the quote marks


def test_it_reads_only_the_training_folders_and_is_deterministic(examples: list[SquadExample]) -> None:
    assert all(e.title.split("/")[0] in TRAINING_FOLDERS and not is_validation(e.title) for e in examples)
    assert generate(shared_file(BBC), seed=7, limit=60) == examples
    assert generate(shared_file(BBC), seed=8, limit=60) != examples
    validation = generate(shared_file(BBC), seed=7, validation=True, limit=10)
    assert validation and all(is_validation(e.title) for e in validation)


def test_a_corpus_without_the_training_folders_is_refused(tmp_path) -> None:
    (tmp_path / "politics").mkdir()
    with pytest.raises(FileNotFoundError, match="business, sport"):
        generate(tmp_path)
