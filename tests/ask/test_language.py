"""The language of a question: English ones full of names pass, others are named, odd input is None.

`tests/data/non-english-questions.jsonl` holds 138 short news questions in 13 languages, written for these tests in
the style of the English dev questions (half of them tuned the thresholds: `benchmarks/language_id.py`).
"""

# ruff: noqa: RUF001  (questions in other languages hold letters and marks that look like ASCII ones, on purpose)

from __future__ import annotations

import collections
import json
import subprocess
import sys

import pytest

from qa.ask.language import LANGUAGES, amount, language_note, question_language, words
from tests.conftest import DATA, ROOT, shared_file

OTHER_LANGUAGES = [
    json.loads(line) for line in (DATA / "non-english-questions.jsonl").read_text(encoding="utf-8").splitlines()
]


@pytest.mark.parametrize(
    "question",
    [
        "Who is Sung Kim?",
        "What did Sung Kim say?",
        "What did Kim Jong-un say?",
        "When did Yukos file for bankruptcy?",
        "When did Gazprom take over the nuclear fuel company Atomstroieksport?",
        "What did Fumio Kishida call the launches?",
        "Who is Fumio Kishida?",
        "What did Xi Jinping say?",
        "What did Recep Tayyip Erdoğan say?",
        "What did Lula da Silva say?",
        "Where was Chelsea manager Jose Mourinho born?",
        "What did Alyona Bondarenko say after losing the Hyderabad Open final?",
        "WHO IS SUNG KIM",
        "what did yukos say",
        "How many people does Lufthansa employ?",
    ],
)
def test_english_questions_full_of_names_are_not_flagged(question: str) -> None:
    assert question_language(question) is None


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("¿Qué dijo Sung Kim sobre las conversaciones?", "Spanish"),
        ("Qu'a dit Sung Kim à propos des négociations ?", "French"),
        ("Was hat Sung Kim über die Gespräche gesagt?", "German"),
        ("Что сказал Сон Ким о переговорах?", "Russian"),
        ("Sung Kim 对会谈说了什么？", "Chinese"),
        ("北朝鮮はいつ弾道ミサイルを発射しましたか？", "Japanese"),
        ("ماذا قال سونغ كيم عن المحادثات؟", "Arabic"),
    ],
)
def test_a_question_in_another_language_is_named(question: str, expected: str) -> None:
    assert question_language(question) == expected


def test_the_fixture_questions_are_caught_and_named_right_nine_times_in_ten() -> None:
    named = [question_language(row["question"]) == row["language"] for row in OTHER_LANGUAGES]
    assert len(named) >= 100
    assert sum(named) / len(named) >= 0.9
    caught = collections.Counter(row["language"] for row, ok in zip(OTHER_LANGUAGES, named, strict=True) if ok)
    assert set(caught) == {row["language"] for row in OTHER_LANGUAGES}  # every language, not a few easy scripts


def test_the_fixture_names_only_languages_the_module_can_name() -> None:
    assert {row["language"] for row in OTHER_LANGUAGES} <= set(LANGUAGES.values())
    assert len({row["language"] for row in OTHER_LANGUAGES}) >= 8
    assert {row["split"] for row in OTHER_LANGUAGES} == {"tune", "held-out"}


def test_at_most_one_english_dev_question_in_200_is_flagged() -> None:
    questions = [
        json.loads(line)["question"]
        for name in ("seed-dev.jsonl", "bbc-dev.jsonl")
        for line in shared_file(f"eval/{name}").read_text(encoding="utf-8").splitlines()
    ]
    squad = json.loads(shared_file("eval/squad-v2.0-dev-26-articles.json").read_text(encoding="utf-8"))
    questions += [qa["question"] for article in squad["data"] for p in article["paragraphs"] for qa in p["qas"]]
    flagged = [question for question in questions if question_language(question) is not None]
    assert len(questions) > 9000
    assert len(flagged) / len(questions) <= 0.005, flagged[:20]


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\n\t",
        "???",
        "123",
        "2018?",
        "😀😀😀",
        "Sung Kim",
        "Pyongyang?",
        "Wer ist?",
        "\udcff\udcfe",
        "a" * 20_000,
    ],
)
def test_too_little_to_go_on_is_none(text: str) -> None:
    assert question_language(text) is None


@pytest.mark.parametrize("value", [None, 42, b"Que dijo Sung Kim sobre las conversaciones", ["¿Qué dijo?"]])
def test_anything_but_text_is_none(value: object) -> None:
    assert question_language(value) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What did Kishida say in 2022?", ["What", "did", "Kishida", "say", "in"]),
        ("WHO IS SUNG KIM", ["who", "is", "sung", "kim"]),
        ("l'ONU, Jay-Z", ["l'ONU", "Jay-Z"]),
        ("", []),
    ],
)
def test_words_are_runs_of_letters(text: str, expected: list[str]) -> None:
    assert words(text) == expected


@pytest.mark.parametrize(
    ("found", "expected"),
    [(["Who", "is"], 2), (["东京的人口是多少"], 8), (["Sung", "是谁"], 3), (["ソン・キム"], 5), ([], 0)],
)
def test_amount_counts_each_character_of_an_unspaced_script(found: list[str], expected: int) -> None:
    assert amount(found) == expected


def test_the_note_names_the_language_and_asks_for_english() -> None:
    note = language_note("Spanish")
    assert note.startswith("This looks like Spanish;")
    assert "the articles are in English" in note
    assert note.endswith("Try asking in English.")


def test_importing_the_module_leaves_the_model_unloaded() -> None:
    script = "import sys, qa, qa.ask.language; assert 'py3langid' not in sys.modules and 'numpy' not in sys.modules"
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
