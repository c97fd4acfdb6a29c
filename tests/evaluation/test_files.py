"""Reading question-answer files: every format, and a clear error for every kind of bad file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.errors import QAFileError
from qa.evaluation.files import QAPair, SquadArticle, load_qa_file
from qa.evaluation.open_book import article_text, open_book_folders
from tests.conftest import shared_file

SQUAD = {
    "version": "1.1",
    "data": [
        {
            "title": "Lowmere_Harbour",
            "paragraphs": [
                {
                    "context": "The Lowmere harbour opened in 1887.",
                    "qas": [
                        {
                            "id": "q1",
                            "question": "When did the harbour open?",
                            "answers": [
                                {"text": "1887", "answer_start": 30},
                                {"text": "1887", "answer_start": 30},
                                {"text": "in 1887", "answer_start": 27},
                            ],
                        }
                    ],
                },
                {"context": "Its   pier is 300 metres long.", "qas": []},
            ],
        }
    ],
}


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_jsonl(tmp_path: Path) -> None:
    lines = [
        {"id": "a", "question": "Who?", "answers": ["Kim", " Kim ", "Lee"], "title": "T"},
        {"question": "Nothing\u2028at all?", "answers": []},  # a line separator inside a string is no line end
    ]
    path = _write(
        tmp_path, "q.jsonl", "\n".join(json.dumps(line) for line in lines[:1]) + "\n\n" + json.dumps(lines[1])
    )

    qa_set = load_qa_file(path)

    assert qa_set.format == "JSONL" and qa_set.articles == []
    assert qa_set.pairs == [
        QAPair("a", "Who?", ("Kim", "Lee"), "T"),
        QAPair("line 3", "Nothing\u2028at all?", (), None),
    ]
    assert [pair.answerable for pair in qa_set.pairs] == [True, False]


def test_a_jsonl_history_makes_a_follow_up(tmp_path: Path) -> None:
    lines = [
        {"question": "What did he say?", "answers": ["x"], "history": ["Who is Sung Kim?"]},
        {"question": "And then?", "answers": [], "history": ["Q1", "Q2"], "kind": "ellipsis"},
    ]
    path = _write(tmp_path, "q.jsonl", "\n".join(json.dumps(line) for line in lines))

    pairs = load_qa_file(path).pairs

    assert [(pair.history, pair.kind) for pair in pairs] == [
        (("Who is Sung Kim?",), "followup"),
        (("Q1", "Q2"), "ellipsis"),
    ]


def test_jsonl_wrong_answers_and_unknown_keys(tmp_path: Path) -> None:
    lines = [
        {"question": "When?", "answers": ["Tuesday"], "wrong": [" Monday ", "Monday"], "citation": {"start": 3}},
        {"question": "Who?", "answers": [], "wrong": [""], "note": "a decline, disliked"},
        {"question": "Where?", "answers": [], "wrong": []},
    ]
    pairs = load_qa_file(_write(tmp_path, "q.jsonl", "\n".join(json.dumps(line) for line in lines))).pairs

    assert [(pair.wrong, pair.known) for pair in pairs] == [(("Monday",), True), (("",), False), ((), True)]


def test_csv_groups_rows_of_one_question(tmp_path: Path) -> None:
    text = (
        "\ufeffQuestion,Answer\n"
        "Where did they meet?,Seoul\n"
        '"Who said ""no""?",Kim\n'
        "Where did they meet?,in Seoul\n"
        "What is the population of Tokyo?,\n"
    )

    qa_set = load_qa_file(_write(tmp_path, "q.csv", text))

    assert qa_set.format == "CSV"
    assert qa_set.pairs == [
        QAPair("line 2", "Where did they meet?", ("Seoul", "in Seoul")),
        QAPair("line 3", 'Who said "no"?', ("Kim",)),
        QAPair("line 5", "What is the population of Tokyo?", ()),
    ]


def test_csv_optional_id_and_title_columns(tmp_path: Path) -> None:
    text = "id,title,question,answer\nx1,Harbour,When?,1887\n"

    assert load_qa_file(_write(tmp_path, "q.csv", text)).pairs == [QAPair("x1", "When?", ("1887",), "Harbour")]


def test_squad_v1_keeps_distinct_answers_and_paragraphs(tmp_path: Path) -> None:
    qa_set = load_qa_file(_write(tmp_path, "squad.json", json.dumps(SQUAD)))

    assert qa_set.format == "SQuAD JSON"
    assert qa_set.pairs == [
        QAPair(
            "q1",
            "When did the harbour open?",
            ("1887", "in 1887"),
            "Lowmere_Harbour",
            context="The Lowmere harbour opened in 1887.",  # what a closed-book evaluation reads it with
        )
    ]
    assert qa_set.articles == [
        SquadArticle("Lowmere_Harbour", ("The Lowmere harbour opened in 1887.", "Its   pier is 300 metres long."))
    ]


def test_squad_v2_impossible_question_has_no_answer(tmp_path: Path) -> None:
    squad = json.loads(json.dumps(SQUAD))
    squad["data"][0]["paragraphs"][1]["qas"] = [
        {"id": "q2", "question": "Who built the pier?", "answers": [], "is_impossible": True,
         "plausible_answers": [{"text": "the council", "answer_start": 0}]}
    ]  # fmt: skip

    pairs = load_qa_file(_write(tmp_path, "v2.json", json.dumps(squad))).pairs

    assert [(pair.id, pair.answers) for pair in pairs] == [("q1", ("1887", "in 1887")), ("q2", ())]


def test_the_shared_squad_dev_file() -> None:
    path = shared_file("eval/squad-v1.1-dev.json")

    qa_set = load_qa_file(path)

    assert len(qa_set.pairs) == 10_570
    assert len(qa_set.articles) == 48 and sum(len(article.paragraphs) for article in qa_set.articles) == 2_067


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("q.xlsx", "x", "unknown question-answer format '.xlsx'. Use .jsonl (JSONL), .csv (CSV), .json (SQuAD JSON)"),
        ("questions", "x", "unknown question-answer format 'questions'"),
        ("q.jsonl", "", "q.jsonl: it is empty."),
        ("q.jsonl", "\n  \n", "q.jsonl: it is empty."),
        ("q.csv", "question,answer\n", "q.csv: the file holds no questions."),
        ("q.json", '{"data": []}', "q.json: the file holds no questions."),
        (
            "q.jsonl",
            '{"question": "a", "answers": []}\n{"question": "b", answers: []}',
            "q.jsonl, line 2 is not valid JSON (Expecting property name",
        ),
        ("q.jsonl", '["a", []]', "q.jsonl, line 1: expected an object with 'question' and 'answers', got a list."),
        ("q.jsonl", '{"question": "a"}', "q.jsonl, line 1: the object has no 'answers'."),
        ("q.jsonl", '{"answers": []}', "q.jsonl, line 1: the object has no 'question'."),
        ("q.jsonl", '{"question": 3, "answers": []}', "q.jsonl, line 1: 'question' must be a string, got a number."),
        ("q.jsonl", '{"question": "a", "answers": "b"}', "q.jsonl, line 1: 'answers' must be a list of strings"),
        ("q.jsonl", '{"question": "a", "answers": [1]}', "q.jsonl, line 1: 'answers' must be a list of strings"),
        ("q.jsonl", '{"question": "a", "answers": [], "id": [1]}', "q.jsonl, line 1: 'id' must be a string"),
        ("q.jsonl", '{"question": "a", "answers": [], "history": "b"}', "line 1: 'history' must be a list of the"),
        ("q.jsonl", '{"question": "a", "answers": [], "history": [" "]}', "line 1: 'history' must be a list of the"),
        ("q.jsonl", '{"question": "a", "answers": [], "wrong": "b"}', "line 1: 'wrong' must be a list of strings"),
        ("q.jsonl", '{"question": "a", "answers": [], "wrong": [null]}', "line 1: 'wrong' must be a list of strings"),
        ("q.csv", "query,response\na,b\n", "q.csv, line 1: the header needs 'question' and 'answer' columns; it lacks"),
        ("q.csv", "question,answer\na,b\nc,d,e\n", "q.csv, line 3: 3 fields where the header has 2."),
        ("q.csv", 'question,answer\na,b\n"c,d\n', "q.csv, line 3: 1 fields where the header has 2."),
        (
            "q.json",
            "[1, 2]",
            "q.json: not a SQuAD file: expected an object with a 'data' list of articles, got a list.",
        ),
        ("q.json", '{"version": "1.1"}', "q.json: not a SQuAD file: expected an object with a 'data' list"),
        ("q.json", '{\n"data": [\n}', "q.json, line 3: not JSON"),
        ("q.json", '{"data": [{"paragraphs": [{"qas": []}]}]}', "q.json: data[0].paragraphs[0]: 'context' must be"),
        (
            "q.json",
            '{"data": [{"paragraphs": [{"context": "c", "qas": [{"question": "q", "answers": [{"t": 1}]}]}]}]}',
            "q.json: data[0].paragraphs[0].qas[0].answers[0]: 'text' must be a string, got null.",
        ),
    ],
)
def test_bad_files_say_where_and_what(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = _write(tmp_path, name, text)

    with pytest.raises(QAFileError) as raised:
        load_qa_file(path)

    assert str(raised.value).startswith(str(tmp_path)) and message in str(raised.value)


def test_missing_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(QAFileError, match=r"nope\.jsonl: no such file\."):
        load_qa_file(tmp_path / "nope.jsonl")
    (tmp_path / "bin.csv").write_bytes(b"question,answer\n\x00\x01\x02")
    with pytest.raises(QAFileError, match=r"bin\.csv: it looks like a binary file"):
        load_qa_file(tmp_path / "bin.csv")


def test_odd_questions_are_kept_not_rejected(tmp_path: Path) -> None:
    questions = ["", "x" * 5000, "东京的人口是多少\uff1f"]
    path = _write(tmp_path, "odd.jsonl", "\n".join(json.dumps({"question": q, "answers": []}) for q in questions))

    assert [pair.question for pair in load_qa_file(path).pairs] == questions


def test_open_book_articles_are_written_once_per_file(tmp_path: Path) -> None:
    qa_set = load_qa_file(_write(tmp_path, "squad.json", json.dumps(SQUAD)))

    articles, index = open_book_folders(qa_set, tmp_path / "index")
    files = sorted(articles.iterdir())

    assert index.parent == articles.parent and articles.parent.parent == tmp_path / "index"
    assert articles.parent.name.startswith("eval-squad-")
    assert [file.name for file in files] == ["001-Lowmere-Harbour.txt"]
    assert files[0].read_text(encoding="utf-8") == (
        "Lowmere Harbour\n\nThe Lowmere harbour opened in 1887.\n\nIts pier is 300 metres long.\n"
    )
    modified = files[0].stat().st_mtime_ns
    assert open_book_folders(qa_set, tmp_path / "index") == (articles, index)
    assert files[0].stat().st_mtime_ns == modified


def test_open_book_needs_squad_paragraphs(tmp_path: Path) -> None:
    qa_set = load_qa_file(_write(tmp_path, "q.jsonl", '{"question": "a", "answers": []}'))

    with pytest.raises(ValueError, match="holds no paragraphs"):
        open_book_folders(qa_set, tmp_path)


def test_article_text_titles_and_blank_lines() -> None:
    assert article_text(SquadArticle("Super_Bowl_50", ("One.", "Two.\n"))) == "Super Bowl 50\n\nOne.\n\nTwo.\n"
