"""Closed-book and held-out evaluation: the readers scored on SQuAD paragraphs they were not trained on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa import evaluate
from qa.errors import QAFileError
from qa.evaluation.closed_book import CLOSED_BOOK
from qa.evaluation.files import load_qa_file
from qa.evaluation.run import held_out_questions
from tests.squad_files import squad_subset
from tests.test_cli import _run


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two held-out articles' first paragraphs beside a trained-on article's."""
    folder = tmp_path_factory.mktemp("squad")
    return squad_subset(folder / "mixed.json", {"Super_Bowl_50": 1, "Normans": 1, "Steam_engine": 1})


def test_held_out_keeps_only_the_held_out_questions_and_every_paragraph(mixed: Path) -> None:
    qa_set = load_qa_file(mixed)
    kept = held_out_questions(qa_set)

    assert {pair.title for pair in kept.pairs} == {"Normans", "Steam_engine"}
    assert len(kept.pairs) < len(qa_set.pairs)
    assert kept.articles == qa_set.articles  # the open-book corpus is still the whole file


def test_held_out_of_a_file_without_them_is_an_error(tmp_path: Path) -> None:
    path = squad_subset(tmp_path / "trained.json", {"Super_Bowl_50": 1})
    with pytest.raises(QAFileError, match="no question from the held-out SQuAD articles"):
        held_out_questions(load_qa_file(path))


@pytest.mark.slow
def test_closed_book_reads_each_question_with_its_own_paragraph(mixed: Path) -> None:
    result = evaluate(mixed, held_out=True, closed_book=True, reader="learned", progress_bar=False)

    assert result.articles == CLOSED_BOOK
    assert result.metrics.questions == len(held_out_questions(load_qa_file(mixed)).pairs)
    assert result.metrics.recall_at_1 is None  # nothing was retrieved
    assert result.metrics.f1 >= 0.6
    paragraphs = {pair.id: pair.context for pair in load_qa_file(mixed).pairs}
    for row in result.rows:
        assert row.declined or row.prediction in (paragraphs[row.id] or "")


def test_closed_book_needs_squad_paragraphs(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps({"question": "Who?", "answers": ["Kim"]}) + "\n", encoding="utf-8")
    with pytest.raises(QAFileError, match="closed-book evaluation needs a SQuAD file"):
        evaluate(path, closed_book=True, reader="rules", progress_bar=False)


@pytest.mark.slow
def test_cli_compares_readers_closed_book(mixed: Path) -> None:
    scores = {}
    for reader in ("rules", "learned"):
        code, out, _ = _run("eval", str(mixed), "--held-out", "--closed-book", "--reader", reader, "--json")
        assert code == 0
        scores[reader] = json.loads(out)["metrics"]["f1"]
    assert scores["learned"] > scores["rules"]
