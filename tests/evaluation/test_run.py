"""Running an evaluation with the real bot: rows and metrics by hand, odd questions, the open-book SQuAD corpus."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from qa import Bot, evaluate
from qa.evaluation.files import load_qa_file
from qa.evaluation.report import metric_lines, render_html, render_table
from qa.evaluation.run import Evaluation, Row, run_evaluation, summarize
from tests.conftest import SEEDS


def _jsonl(tmp_path: Path, records: list[dict[str, Any]]) -> Path:
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(json.dumps(record, ensure_ascii=False) for record in records), encoding="utf-8")
    return path


QUESTIONS = [
    {"id": "meet", "question": "Where did the intelligence chiefs reportedly meet?", "answers": ["Seoul"]},
    {"id": "kim", "question": "Who is Sung Kim?", "answers": ["special envoy for North Korea"]},
    {"id": "cup", "question": "Who won the 2018 FIFA World Cup?", "answers": []},
    # The article does not say; the answer is wrong on purpose, so that the bot's decline scores 0.
    {"id": "tokyo", "question": "What is the population of Tokyo?", "answers": ["14 million"]},
]


@pytest.fixture(scope="module")
def seed_bot(tmp_path_factory: pytest.TempPathFactory) -> Bot:
    """The rule-based reader over the seed: its answers are what these figures are worked out by hand from."""
    return Bot(articles=SEEDS, index_dir=tmp_path_factory.mktemp("rules-index"), reader="rules", progress_bar=False)


@pytest.fixture(scope="module")
def evaluation(seed_bot: Bot, tmp_path_factory: pytest.TempPathFactory) -> Evaluation:
    path = _jsonl(tmp_path_factory.mktemp("eval"), QUESTIONS)
    return run_evaluation(seed_bot, load_qa_file(path), progress_bar=False)


def test_rows_score_each_answer(evaluation: Evaluation) -> None:
    rows = {row.id: row for row in evaluation.rows}

    assert [row.id for row in evaluation.rows] == ["meet", "kim", "cup", "tokyo"]
    assert (rows["meet"].prediction, rows["meet"].exact_match, rows["meet"].f1) == ("Seoul", 1.0, 1.0)
    # "President Joe Biden's special envoy for North Korea": 5 of its 8 normalised tokens are the answer's 5.
    assert rows["kim"].prediction == "President Joe Biden\u2019s special envoy for North Korea"
    assert (rows["kim"].exact_match, rows["kim"].f1, rows["kim"].contains) == (0.0, round(10 / 13, 4), 1.0)
    assert rows["kim"].source == "North Korea fires ballistic missile off coast of Japan"
    assert rows["cup"].declined and (rows["cup"].exact_match, rows["cup"].f1, rows["cup"].contains) == (1, 1, 1)
    assert rows["tokyo"].declined and (rows["tokyo"].exact_match, rows["tokyo"].f1, rows["tokyo"].contains) == (0, 0, 0)
    assert all(row.error is None and row.latency_ms > 0 for row in evaluation.rows)


def test_retrieval_rank_is_the_first_passage_holding_the_answer(evaluation: Evaluation, seed_bot: Bot) -> None:
    rows = {row.id: row for row in evaluation.rows}
    passages = [passage.text for passage in seed_bot.ask(QUESTIONS[0]["question"]).passages]
    rank = rows["meet"].retrieval_rank

    assert rank is not None and "Seoul" in passages[rank - 1]
    assert not any("Seoul" in passage for passage in passages[: rank - 1])
    assert rows["tokyo"].retrieval_rank is None  # "14 million" is nowhere in the article
    assert rows["cup"].retrieval_rank is None  # no answer to look for


def test_metrics_by_hand(evaluation: Evaluation, seed_bot: Bot) -> None:
    metrics = evaluation.metrics
    ranks = {row.id: row.retrieval_rank for row in evaluation.rows}
    answerable = [ranks["meet"], ranks["kim"], ranks["tokyo"]]

    assert (metrics.questions, metrics.answerable, metrics.errors, metrics.top_k) == (4, 3, 0, seed_bot.top_k)
    assert metrics.exact_match == 0.5  # meet, cup
    assert metrics.f1 == round((1 + round(10 / 13, 4) + 1 + 0) / 4, 4)
    assert metrics.contains == 0.75  # meet, kim, cup
    assert metrics.no_answer_precision == 0.5  # declined cup and tokyo; only cup had no answer
    assert metrics.no_answer_recall == 1.0  # cup, the one question without answer, was declined
    assert metrics.recall_at_1 == round(sum(1 for rank in answerable if rank == 1) / 3, 4)
    assert metrics.recall_at_5 == round(sum(1 for rank in answerable if rank is not None and rank <= 5) / 3, 4)
    assert metrics.mrr == round(sum(1 / rank for rank in answerable if rank) / 3, 4)
    assert 0 < metrics.latency_p50_ms <= metrics.latency_p95_ms <= max(row.latency_ms for row in evaluation.rows)


def test_questions_marked_wrong_are_counted_and_unknown_answers_kept_out_of_the_figures() -> None:
    right = Row("a", "When?", ["Tuesday"], None, "Tuesday", "T", False, 1.0, 1.0, 1.0, 1, 10.0, confidence=0.9)
    again = replace(
        right, answers=["Monday"], exact_match=0.0, f1=0.0, contains=0.0, wrong=["Tuesday"], wrong_again=True
    )
    # Only "not Tuesday" is known: declining is not wrong, and not right either.
    unknown = replace(
        right, answers=[], prediction="", declined=True, wrong=["Tuesday"], wrong_again=False, known=False
    )

    metrics = summarize([right, again, unknown], top_k=5, seconds=1.0)

    assert (metrics.questions, metrics.answerable, metrics.marked_wrong, metrics.wrong_again) == (3, 2, 2, 1)
    assert (metrics.exact_match, metrics.f1, metrics.contains) == (0.5, 0.5, 0.5)
    assert metrics.no_answer_precision is None and metrics.no_answer_recall is None  # no known question declined


def test_odd_questions_are_scored_not_fatal(seed_bot: Bot, tmp_path: Path) -> None:
    odd = [
        {"question": "", "answers": []},
        {"question": "Why? " * 1000, "answers": ["anything"]},
        {"question": "东京的人口是多少\uff1f", "answers": []},
        {"question": "When did North Korea launch the ballistic missile?", "answers": ["Tuesday"]},
    ]

    result = run_evaluation(seed_bot, load_qa_file(_jsonl(tmp_path, odd)), progress_bar=False)
    empty, long, chinese, normal = result.rows

    assert empty.error == "The question is empty: ask something about the articles."
    assert long.error == "The question is 4,999 characters long; the limit is 1,000."
    assert (empty.prediction, empty.exact_match) == ("", 1.0) and (long.prediction, long.f1) == ("", 0.0)
    assert chinese.error is None and chinese.exact_match == float(chinese.prediction == "")
    assert normal.prediction == "Tuesday" and normal.error is None
    assert result.metrics.questions == 4 and result.metrics.errors == 2


def test_no_answer_figures_are_none_when_zero_over_zero(seed_bot: Bot, tmp_path: Path) -> None:
    path = _jsonl(tmp_path, [QUESTIONS[0]])  # answerable, answered: nothing declined, nothing unanswerable

    result = run_evaluation(seed_bot, load_qa_file(path), progress_bar=False)

    assert result.metrics.no_answer_precision is None and result.metrics.no_answer_recall is None
    assert "no-answer precision          n/a" in render_table(result)
    assert json.loads(json.dumps(result.to_json()))["metrics"]["no_answer_recall"] is None


@pytest.mark.slow
def test_limit_takes_the_first_questions(seed_bot: Bot, tmp_path: Path) -> None:
    result = run_evaluation(seed_bot, load_qa_file(_jsonl(tmp_path, QUESTIONS)), limit=2, progress_bar=False)

    assert [row.id for row in result.rows] == ["meet", "kim"]
    with pytest.raises(ValueError, match="limit must be at least 1, not 0"):
        run_evaluation(seed_bot, load_qa_file(_jsonl(tmp_path, QUESTIONS)), limit=0)


def test_table_and_html_report(evaluation: Evaluation) -> None:
    table = render_table(evaluation)
    html = render_html(evaluation)

    assert "exact match                  50.0%" in table
    assert "no-answer recall             100.0%" in table
    assert (
        "Worst answered:\n- What is the population of Tokyo?\n  expected: 14 million\n  answered: (declined)" in table
    )
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html and "<style>" in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in html
    assert "<td>What is the population of Tokyo?</td><td>14 million</td><td>(declined)</td>" in html
    assert "President Joe Biden\u2019s special envoy for North Korea" in html  # what the bot said


def test_table_names_recall_at_k_when_k_is_not_1_or_5(evaluation: Evaluation) -> None:
    labels = [label for label, _ in metric_lines(replace(evaluation.metrics, top_k=3, recall_at_k=0.25))]
    values = dict(metric_lines(replace(evaluation.metrics, top_k=3, recall_at_k=0.25)))

    assert "retrieval recall@3" in labels and values["retrieval recall@3"] == "25.0%"
    assert values["retrieval recall@5"].endswith("(only 3 retrieved)")
    assert len(labels) == len(metric_lines(evaluation.metrics)) + 1  # no recall@5 twice when k is 5


@pytest.mark.slow
def test_html_escapes_user_text(seed_bot: Bot, tmp_path: Path) -> None:
    path = _jsonl(tmp_path, [{"question": "<script>alert(1)</script> Who is Sung Kim?", "answers": ["<b>x</b>"]}])

    html = render_html(run_evaluation(seed_bot, load_qa_file(path), progress_bar=False))

    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


@pytest.mark.slow
def test_follow_ups_are_asked_with_their_history_and_scored_as_their_own_row(seed_bot: Bot, tmp_path: Path) -> None:
    records = [
        {"question": "Who is Sung Kim?", "answers": ["Sung Kim"]},
        {
            "question": "What did he tell reporters?",
            "answers": ["Our intent remains the same"],
            "history": ["Who is Sung Kim?"],
        },
    ]
    result = run_evaluation(seed_bot, load_qa_file(_jsonl(tmp_path, records)), progress_bar=False)
    follow_up = result.rows[1]

    assert follow_up.history == ["Who is Sung Kim?"] and follow_up.asked == "What did Sung Kim tell reporters?"
    assert list(result.metrics.by_kind) == ["followup"] and result.metrics.by_kind["followup"].questions == 1
    assert "- followup: 1 questions" in render_table(result)


@pytest.mark.slow
def test_evaluate_from_python_with_an_articles_folder(tmp_path: Path) -> None:
    path = _jsonl(tmp_path, QUESTIONS[:1])

    result = evaluate(path, articles=SEEDS, index_dir=tmp_path / "index", progress_bar=False)

    assert result.rows[0].prediction == "Seoul" and result.metrics.exact_match == 1.0
    assert result.articles == str(SEEDS.resolve()) and result.qa_file == str(path)
    assert json.loads(json.dumps(result.to_json()))["metrics"]["exact_match"] == 1.0


SQUAD = {
    "version": "1.1",
    "data": [
        {
            "title": "Lowmere_Harbour",
            "paragraphs": [
                {
                    "context": "The Lowmere harbour was opened by the engineer Agnes Tallis in 1887. "
                    "Fishing boats and ferries to the islands still use it.",
                    "qas": [
                        {
                            "id": "h1",
                            "question": "Who opened the Lowmere harbour?",
                            "answers": [{"text": "Agnes Tallis", "answer_start": 47}],
                        }
                    ],
                },
            ],
        },
        {
            "title": "Brackwater_Choir",
            "paragraphs": [
                {
                    "context": "The Brackwater Choir sings every Sunday in the old chapel. It has forty singers.",
                    "qas": [
                        {
                            "id": "c1",
                            "question": "Where does the Brackwater Choir sing?",
                            "answers": [{"text": "the old chapel", "answer_start": 44}],
                        }
                    ],
                }
            ],
        },
    ],
}


def test_squad_without_articles_is_open_book_and_cached(tmp_path: Path) -> None:
    path = tmp_path / "tiny-squad.json"
    path.write_text(json.dumps(SQUAD), encoding="utf-8")

    first = evaluate(path, index_dir=tmp_path / "index", progress_bar=False)
    again = Bot(first.articles, Path(first.articles).parent / "index", progress_bar=False)

    assert Path(first.articles).parent.parent == tmp_path / "index"
    assert sorted(p.name for p in Path(first.articles).iterdir()) == [
        "001-Lowmere-Harbour.txt",
        "002-Brackwater-Choir.txt",
    ]
    assert [row.retrieval_rank for row in first.rows] == [1, 1]  # each question's own paragraph comes first
    assert [row.title for row in first.rows] == ["Lowmere_Harbour", "Brackwater_Choir"]
    assert not again.report.changed and again.report.articles == 2  # a second run embeds nothing
