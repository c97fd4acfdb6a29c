"""Sentence splitting and overlapping passages with their map back into the original (`qa.index.passages`)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest
from haystack import Document

from qa.index.passages import PassageSplitter, original_span, split_sentences
from qa.ingest.article import Article
from qa.ingest.read import load_folder, read_file
from tests.conftest import SEEDS

SEED = SEEDS / "seed-north-korea.txt"
STRAIGHTEN = str.maketrans("\u2018\u2019\u201c\u201d", "''\"\"")
META_FIELDS = {"article_id", "title", "source", "date", "url", "passage", "start", "end", "original", "origin"}

MESSY = (
    "Messy \u201ctitle\u201d\r\n\r\n"
    "North Korea fired a missile.Japan\u2019s PM called it \u201cvery regrettable\u201d.It came late.\r\n"
    "Credit: AP\r\n\r\n"
    "US envoy Sung Kim\u00a0speaks\tafter a meeting Credit: AP\r\n\r\n"
    "Mr. Kim said the U.S. position\r\nwas unchanged.\u200b Talks stalled in 2019.Analysts doubt a deal.\r\n\r\n"
    "Advertisement\r\n\r\n"
    "J. K. Rowling was not involved. Prof. Lee disagreed!Others agreed? Yes.\r\n"
)


def sentences(text: str, max_chars: int = 1000) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text, max_chars)]


def seed_article() -> Article:
    return read_file(SEED, "seed-north-korea.txt").articles[0]


def messy_article(tmp_path: Path) -> Article:
    (tmp_path / "messy.txt").write_bytes(MESSY.encode("utf-8"))
    [article] = load_folder(tmp_path).articles
    return article


def numbered_article(tmp_path: Path, count: int) -> Article:
    body = " ".join(f"Sentence number {n} is here." for n in range(1, count + 1))
    (tmp_path / "numbered.txt").write_text(f"Numbered\n\n{body}\n", encoding="utf-8")
    [article] = load_folder(tmp_path).articles
    return article


def sentence_numbers(document: Document) -> list[int]:
    return [int(n) for n in re.findall(r"Sentence number (\d+)", document.content or "")]


# --- split_sentences -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'Mr. Kim left. He said: "No." Then\n\nnew paragraph',
            ["Mr. Kim left.", 'He said: "No."', "Then", "new paragraph"],
        ),
        ("J. K. Rowling wrote it. She is rich.", ["J. K. Rowling wrote it.", "She is rich."]),
        (
            "Mrs. Smith met Dr. Jones and Gov. Brown. They talked.",
            ["Mrs. Smith met Dr. Jones and Gov. Brown.", "They talked."],
        ),
        ("Troops left the U.S. Army base. It was empty.", ["Troops left the U.S. Army base.", "It was empty."]),
        (
            "Acme Inc. Chief Dr. No spoke on Jan. 5. Then left.",
            ["Acme Inc. Chief Dr. No spoke on Jan. 5.", "Then left."],
        ),
        ("It rose 5.5 percent. Then it fell.", ["It rose 5.5 percent.", "Then it fell."]),
        ("Revenue hit $5 bn. In 2020 it fell.", ["Revenue hit $5 bn.", "In 2020 it fell."]),
        ("Is it over? Yes! Fine.", ["Is it over?", "Yes!", "Fine."]),
        ('He said "stop." Then (quietly) left.', ['He said "stop."', "Then (quietly) left."]),
        ("Wait... What happened?! Nothing.", ["Wait...", "What happened?!", "Nothing."]),
        ("no capital after. this continues", ["no capital after. this continues"]),
        (
            "Para one without a stop\n\npara two\n\n\n\npara three",
            ["Para one without a stop", "para two", "para three"],
        ),
        ("Heading\n\nMr.\n\nKim", ["Heading", "Mr.", "Kim"]),
        ("  Leading and trailing space.  ", ["Leading and trailing space."]),
        ("", []),
        ("   \n\n  ", []),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_sentences_may_start_with_an_accented_capital() -> None:
    assert sentences("The talks ended. \u00c9lys\u00e9e officials said nothing.") == [
        "The talks ended.",
        "\u00c9lys\u00e9e officials said nothing.",
    ]


def test_sentence_spans_are_ordered_and_do_not_overlap() -> None:
    text = seed_article().body.text
    spans = split_sentences(text)
    assert len(spans) > 10
    assert all(start < end for start, end in spans)
    assert all(previous[1] <= current[0] for previous, current in itertools.pairwise(spans))
    assert all(text[start:end] == text[start:end].strip() for start, end in spans)
    assert "North Korea. Japan's Prime Minister" not in sentences(text)
    assert (
        "It comes as South Korea, Japan and US intelligence chiefs reportedly met in Seoul to discuss North Korea."
        in (sentences(text))
    )


def test_long_sentence_is_cut_at_spaces() -> None:
    text = " ".join(f"word{n}" for n in range(500))
    pieces = sentences(text, max_chars=100)
    assert len(pieces) > 20
    assert all(len(piece) <= 100 for piece in pieces)
    assert all(piece == piece.strip() for piece in pieces)
    assert " ".join(pieces) == text


def test_long_word_without_spaces_is_cut_hard() -> None:
    assert split_sentences("x" * 250, max_chars=100) == [(0, 100), (100, 200), (200, 250)]


def test_long_sentence_in_the_middle_is_cut_but_its_neighbours_are_not() -> None:
    long = "A list " + ", ".join(f"item {n}" for n in range(200)) + "."
    text = f"Short first. {long} Short last."
    found = sentences(text, max_chars=120)
    assert found[0] == "Short first."
    assert found[-1] == "Short last."
    assert all(len(s) <= 120 for s in found)
    assert len(found) > 3


# --- PassageSplitter -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("per_passage", "overlap", "expected"),
    [
        (4, 1, [[1, 2, 3, 4], [4, 5, 6, 7], [7, 8, 9, 10]]),
        (4, 2, [[1, 2, 3, 4], [3, 4, 5, 6], [5, 6, 7, 8], [7, 8, 9, 10]]),
        (4, 0, [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]),
        (3, 2, [[1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 6], [5, 6, 7], [6, 7, 8], [7, 8, 9], [8, 9, 10]]),
        (1, 0, [[n] for n in range(1, 11)]),
        (20, 5, [list(range(1, 11))]),
    ],
)
def test_passages_overlap_by_n_sentences(
    tmp_path: Path, per_passage: int, overlap: int, expected: list[list[int]]
) -> None:
    documents = PassageSplitter(per_passage, overlap).split(numbered_article(tmp_path, 10))
    assert [sentence_numbers(doc) for doc in documents] == expected


def test_max_chars_limits_a_passage_but_keeps_one_sentence(tmp_path: Path) -> None:
    article = numbered_article(tmp_path, 30)
    documents = PassageSplitter(sentences_per_passage=10, overlap=1, max_chars=100).split(article)
    assert all(len(doc.content or "") <= 100 for doc in documents)
    assert all(len(sentence_numbers(doc)) >= 1 for doc in documents)
    numbers = [sentence_numbers(doc) for doc in documents]
    assert sorted({n for group in numbers for n in group}) == list(range(1, 31))
    assert numbers[0][0] == 1 and numbers[-1][-1] == 30
    for previous, current in itertools.pairwise(numbers):
        assert current[0] == previous[-1], "consecutive passages share one sentence"


def test_passages_are_numbered_from_one_with_stable_ids() -> None:
    article = seed_article()
    documents = PassageSplitter().split(article)
    assert len(documents) > 2
    assert [doc.meta["passage"] for doc in documents] == list(range(1, len(documents) + 1))
    assert [doc.id for doc in documents] == [f"{article.id}-{n}" for n in range(1, len(documents) + 1)]
    assert [doc.id for doc in PassageSplitter().split(article)] == [doc.id for doc in documents]


def test_meta_fields(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(
        '{"title": "T", "text": "One here. Two here.", "date": "2021-10-19", "url": "https://x.y"}', encoding="utf-8"
    )
    [article] = load_folder(tmp_path).articles
    [document] = PassageSplitter().split(article)
    assert set(document.meta) == META_FIELDS
    assert document.content == "One here. Two here."
    expected = {"article_id": article.id, "title": "T", "source": "a.json", "date": "2021-10-19", "url": "https://x.y"}
    assert {key: document.meta[key] for key in expected} == expected
    assert (document.meta["passage"], document.meta["start"], document.meta["end"]) == (1, 0, 19)
    assert document.meta["original"] == "One here. Two here."
    assert document.meta["origin"] == [[0, 0]]


@pytest.mark.parametrize("source", ["seed", "messy"])
def test_meta_original_is_the_original_slice(tmp_path: Path, source: str) -> None:
    article = seed_article() if source == "seed" else messy_article(tmp_path)
    documents = PassageSplitter(sentences_per_passage=2, overlap=1).split(article)
    assert len(documents) > 2
    for doc in documents:
        meta: dict[str, Any] = doc.meta
        assert set(meta) == META_FIELDS
        assert article.original[meta["start"] : meta["end"]] == meta["original"]
        assert original_span(meta, 0, len(doc.content or "")) == (meta["start"], meta["end"])
        assert (doc.content or "")[:1] == meta["original"][:1].translate(STRAIGHTEN)
        assert (doc.content or "")[-1:] == meta["original"][-1:].translate(STRAIGHTEN)


@pytest.mark.parametrize("source", ["seed", "messy"])
def test_original_span_maps_every_word_back(tmp_path: Path, source: str) -> None:
    article = seed_article() if source == "seed" else messy_article(tmp_path)
    documents = PassageSplitter().split(article)
    checked = 0
    for doc in documents:
        for word in re.finditer(r"\S+", doc.content or ""):
            start, end = original_span(doc.meta, *word.span())
            assert article.original[start:end].replace("\u200b", "").translate(STRAIGHTEN) == word.group()
            checked += 1
    assert checked > 50


def test_messy_article_passages_are_clean_and_cite_the_file(tmp_path: Path) -> None:
    article = messy_article(tmp_path)
    text = "\n".join(doc.content or "" for doc in PassageSplitter().split(article))
    assert "missile. Japan's PM" in text
    assert '"very regrettable". It came late.' in text
    assert "Credit" not in text and "Advertisement" not in text and "\r" not in text
    doc = next(d for d in PassageSplitter().split(article) if "Japan's" in (d.content or ""))
    position = (doc.content or "").index("Japan's")
    start, end = original_span(doc.meta, position, position + len("Japan's"))
    assert article.original[start:end] == "Japan\u2019s"
    assert MESSY.replace("\r\n", "\n") != article.original  # the original keeps its CRLF line ends
    assert article.original == MESSY


def test_original_span_doc_example() -> None:
    assert original_span({"origin": [[0, 100], [5, 110]]}, 6, 8) == (111, 113)
    assert original_span({"origin": [[0, 100], [5, 110]]}, 0, 5) == (100, 105)
    assert original_span({"origin": [[0, 100], [5, 110]]}, 3, 7) == (103, 112)


@pytest.mark.parametrize(("start", "end"), [(3, 3), (4, 2), (-1, 2)])
def test_original_span_rejects_bad_spans(start: int, end: int) -> None:
    with pytest.raises(ValueError, match="Bad span"):
        original_span({"origin": [[0, 0]]}, start, end)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sentences_per_passage": 0}, "sentences_per_passage must be at least 1, not 0"),
        ({"sentences_per_passage": -3}, "sentences_per_passage must be at least 1, not -3"),
        ({"overlap": 4}, "overlap must be between 0 and 3, not 4"),
        ({"overlap": -1}, "overlap must be between 0 and 3, not -1"),
        ({"sentences_per_passage": 1, "overlap": 1}, "overlap must be between 0 and 0, not 1"),
        ({"max_chars": 99}, "max_chars must be at least 100, not 99"),
        ({"max_chars": 0}, "max_chars must be at least 100, not 0"),
    ],
)
def test_constructor_rejects_bad_settings(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        PassageSplitter(**kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"sentences_per_passage": 1, "overlap": 0, "max_chars": 100}, {"sentences_per_passage": 9, "overlap": 8}],
)
def test_constructor_accepts_good_settings(kwargs: dict[str, int]) -> None:
    splitter = PassageSplitter(**kwargs)
    assert splitter.sentences_per_passage == kwargs.get("sentences_per_passage", 4)


@pytest.mark.slow
def test_five_megabyte_article_splits(tmp_path: Path) -> None:
    paragraph = (
        "The minister said on Tuesday that the talks would resume.It was \u201cregrettable\u201d, Mr. Kim added. "
        + "A very long list of items without any full stop " * 40
        + "\nOfficials declined to comment Credit: AP\n"
    )
    repeats = 5_000_000 // len(paragraph) + 1
    (tmp_path / "big.txt").write_text("Big\n\n" + "\n".join([paragraph] * repeats) + "\nLast word zanzibar.", "utf-8")
    [article] = load_folder(tmp_path).articles
    documents = PassageSplitter(max_chars=500).split(article)
    assert len(documents) > 5000
    assert all(len(doc.content or "") <= 500 for doc in documents)
    assert [doc.meta["passage"] for doc in documents[:3]] == [1, 2, 3]
    last = documents[-1]
    assert (last.content or "").endswith("Last word zanzibar.")
    assert last.meta["original"].endswith("Last word zanzibar.")
    assert all(article.original[d.meta["start"] : d.meta["end"]] == d.meta["original"] for d in documents[::97])
