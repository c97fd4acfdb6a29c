"""`qa eval` through click's runner: the JSON object, the table, the HTML report and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SEEDS
from tests.test_cli import _run

METRIC_KEYS = {
    "exact_match",
    "f1",
    "contains",
    "recall_at_1",
    "recall_at_5",
    "mrr",
    "no_answer_precision",
    "no_answer_recall",
    "latency_p50_ms",
    "latency_p95_ms",
    "questions",
}
ROW_KEYS = {"question", "answers", "prediction", "exact_match", "f1", "latency_ms"}
CSV = (
    "question,answer,kind\nWhen did North Korea launch the ballistic missile?,Tuesday,when\n"
    "Who won the 2018 FIFA World Cup?,,decline\n"
)


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("eval-cli-index")


@pytest.mark.slow
def test_json_has_the_metrics_and_rows(tmp_path: Path, index_dir: Path) -> None:
    (tmp_path / "q.csv").write_text(CSV, encoding="utf-8")

    code, out, err = _run(
        "eval", str(tmp_path / "q.csv"), "--articles", str(SEEDS), "--index-dir", str(index_dir), "--json"
    )
    payload = json.loads(out)

    assert code == 0 and "Evaluating" in err  # the progress bar, on stderr
    assert payload["metrics"].keys() >= METRIC_KEYS
    assert payload["metrics"]["by_kind"]["when"] == {"questions": 1, "contains": 1.0, "f1": 1.0}
    assert payload["rows"][0]["kind"] == "when" and 0 < payload["rows"][0]["confidence"] <= 1
    assert payload["rows"][1]["confidence"] is None and payload["metrics"]["calibration_error"] is not None
    assert payload["metrics"]["questions"] == 2 and payload["metrics"]["exact_match"] == 1.0
    assert payload["metrics"]["no_answer_precision"] == 1.0 and payload["metrics"]["no_answer_recall"] == 1.0
    assert [row.keys() >= ROW_KEYS for row in payload["rows"]] == [True, True]
    assert [(row["prediction"], row["answers"]) for row in payload["rows"]] == [("Tuesday", ["Tuesday"]), ("", [])]


@pytest.mark.slow
def test_table_and_report(tmp_path: Path, index_dir: Path) -> None:
    (tmp_path / "q.csv").write_text(CSV, encoding="utf-8")
    report = tmp_path / "report.html"

    code, out, err = _run(
        "eval",
        str(tmp_path / "q.csv"),
        "--articles",
        str(SEEDS),
        "--index-dir",
        str(index_dir),
        "--report",
        str(report),
    )

    assert code == 0
    assert "exact match                  100.0%" in out and "latency p95" in out
    assert f"Report written to {report}." in err
    assert "- when: 1 questions, 100.0%, F1 100.0%" in out and "- decline: 1 questions" in out
    html = report.read_text(encoding="utf-8")
    assert "<svg" in html and "Every question scored fully." in html
    assert 'aria-label="Reliability diagram"' in html and "1 answers" in html  # the one answer, by its score
    assert "<h2>By kind</h2>" in html and "<td>decline</td>" in html


def test_squad_file_with_limit_is_open_book(tmp_path: Path) -> None:
    squad = {
        "data": [
            {
                "title": "Brackwater_Choir",
                "paragraphs": [
                    {
                        "context": "The Brackwater Choir sings every Sunday in the old chapel. It has forty singers.",
                        "qas": [
                            {"id": "c1", "question": "Where does the Brackwater Choir sing?", "answers": []},
                            {"id": "c2", "question": "How many singers does the choir have?", "answers": []},
                        ],
                    }
                ],
            }
        ]
    }
    (tmp_path / "squad.json").write_text(json.dumps(squad), encoding="utf-8")

    code, out, _ = _run(
        "eval", str(tmp_path / "squad.json"), "--index-dir", str(tmp_path / "index"), "--limit", "1", "--json"
    )
    payload = json.loads(out)

    assert code == 0 and [row["id"] for row in payload["rows"]] == ["c1"]
    assert Path(payload["articles"]).parent.parent == tmp_path / "index"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("q.txt", "question,answer\n", "unknown question-answer format '.txt'"),
        ("q.jsonl", '{"question": "a", "answers": []}\n{"question": "b"}\n', "line 2: the object has no 'answers'."),
    ],
)
def test_bad_files_are_one_line_errors(tmp_path: Path, name: str, text: str, message: str) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")

    code, out, err = _run("eval", str(tmp_path / name), "--index-dir", str(tmp_path / "index"))

    assert code == 1 and out == ""
    assert err.startswith("Error: ") and message in err and err.count("\n") == 1
    assert not (tmp_path / "index").exists()  # rejected before any index was built


def test_missing_file(tmp_path: Path) -> None:
    code, _, err = _run("eval", str(tmp_path / "missing.jsonl"))

    assert code == 1 and err == f"Error: {tmp_path / 'missing.jsonl'}: no such file.\n"
