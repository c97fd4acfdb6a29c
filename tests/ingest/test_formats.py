"""Saved web pages, PDFs and CSV tables (`qa.ingest.formats`), read by `qa.ingest.read` from real files made here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa import Bot
from qa.ingest.article import Article, Corpus
from qa.ingest.read import load_folder, read_file
from tests.made_files import CSV, LONG_SENTENCE, page, write_pdf

# --- saved web pages -------------------------------------------------------------------------------------------


def only(corpus: Corpus) -> Article:
    assert len(corpus.articles) == 1, corpus
    return corpus.articles[0]


def cited(article: Article, phrase: str) -> str:
    """The characters of `original` that the phrase in the cleaned body maps back to."""
    position = article.body.text.find(phrase)
    assert position >= 0, (phrase, article.body.text)
    start, end = article.body.span(position, position + len(phrase))
    return article.original[start:end]


def test_html_page_gives_the_article_without_the_page_around_it(tmp_path: Path) -> None:
    (tmp_path / "hull.html").write_text(page(), encoding="utf-8")
    article = only(load_folder(tmp_path))
    assert article.source == "hull.html"
    assert article.title == "Flood barrier opens in Hull"
    assert article.date == "2024-03-05"
    assert article.url == "https://planet.example/news/hull-barrier"
    body = article.body.text
    assert body.startswith("A new flood barrier costing £42m opened in Hull on Tuesday")
    assert '"This is a great day for the city," said the mayor, Sam Patel' in body
    assert body.endswith("according to the agency.")
    for junk in ("MUST-GO", "Home", "Most read", "cheap flights", "Cookie", "trackPageView", "display"):
        assert junk not in article.original


def test_html_offsets_point_into_the_extracted_text(tmp_path: Path) -> None:
    (tmp_path / "hull.htm").write_text(page(), encoding="utf-8")
    article = only(load_folder(tmp_path))
    assert cited(article, "Sam Patel") == "Sam Patel"
    assert cited(article, '"This is a great day') == "\u201cThis is a great day"
    assert "<p>" not in article.original and article.original.count("\n") >= 3


def test_html_charset_declared_by_the_page_is_used(tmp_path: Path) -> None:
    (tmp_path / "old.html").write_bytes(page("windows-1252").replace("£", "\u20ac").encode("cp1252"))
    assert "costing \u20ac42m" in only(load_folder(tmp_path)).body.text


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (
            b"<html><head><title>Sections</title><script>track()</script></head><body><nav><ul>"
            b"<li><a href='/'>Home</a></li><li><a href='/sport'>Sport</a></li></ul></nav>"
            b"<footer>Cookie policy</footer></body></html>",
            "no article",
        ),
        (b"", "no article"),
    ],
    ids=["menu", "empty"],
)
def test_html_without_an_article_is_skipped(tmp_path: Path, content: bytes, reason: str) -> None:
    (tmp_path / "good.txt").write_text("Good\n\nGood text.", encoding="utf-8")
    (tmp_path / "menu.html").write_bytes(content)
    corpus = load_folder(tmp_path)
    assert [a.source for a in corpus.articles] == ["good.txt"]
    assert [s.path for s in corpus.skipped] == ["menu.html"] and reason in corpus.skipped[0].reason


# --- PDF -------------------------------------------------------------------------------------------------------


def test_pdf_pages_are_read_and_wrapped_lines_joined(tmp_path: Path) -> None:
    write_pdf(
        tmp_path / "ferry.pdf",
        [f"Ferry terminal to open in Tarrowmouth\n\n{LONG_SENTENCE}", "The mayor called it a turning point."],
    )
    article = only(load_folder(tmp_path))
    assert article.title == "Ferry terminal to open in Tarrowmouth"
    assert article.original.count("\n") >= 3  # the PDF wrapped the long sentence
    assert article.body.text == f"{LONG_SENTENCE}\n\nThe mayor called it a turning point."  # a page ends a paragraph
    assert cited(article, "18 million pounds") in ("18 million pounds", "18 million\npounds")
    assert cited(article, "turning point") == "turning point"


def test_pdf_title_comes_from_its_metadata(tmp_path: Path) -> None:
    write_pdf(tmp_path / "ferry.pdf", [LONG_SENTENCE], title="Ferry terminal to open")
    article = only(load_folder(tmp_path))
    assert article.title == "Ferry terminal to open"
    assert article.body.text == LONG_SENTENCE


def damaged_pdf(path: Path) -> None:
    """A PDF whose page stream names a compression pypdf does not know (a flipped byte: offsets stay valid)."""
    write_pdf(path, [LONG_SENTENCE])
    data = path.read_bytes()
    assert b"/FlateDecode" in data
    path.write_bytes(data.replace(b"/FlateDecode", b"/FlatODecode"))


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda path: path.write_bytes(b"%PDF-1.4\nnot really a pdf"), "not a PDF that can be read"),
        (lambda path: path.write_text("plain text with a .pdf name"), "not a PDF that can be read"),
        (lambda path: write_pdf(path, [""]), "holds no text"),
        (damaged_pdf, "Unsupported filter /FlatODecode"),
        (lambda path: write_pdf(path, [LONG_SENTENCE], encrypt=True), "encrypted"),
    ],
    ids=["truncated", "text", "scan", "damaged", "encrypted"],
)
def test_unusable_pdf_is_skipped_with_a_reason(tmp_path: Path, make: object, reason: str) -> None:
    (tmp_path / "good.txt").write_text("Good\n\nGood text.", encoding="utf-8")
    make(tmp_path / "bad.pdf")  # type: ignore[operator]
    corpus = load_folder(tmp_path)
    assert [a.source for a in corpus.articles] == ["good.txt"]
    assert [s.path for s in corpus.skipped] == ["bad.pdf"] and reason in corpus.skipped[0].reason


# --- CSV -------------------------------------------------------------------------------------------------------


def test_csv_rows_are_articles_with_quoting_and_multi_line_cells(tmp_path: Path) -> None:
    (tmp_path / "news.csv").write_bytes(CSV.encode("utf-8"))
    corpus = load_folder(tmp_path)
    articles = {a.source: a for a in corpus.articles}
    assert list(articles) == ["news.csv#2", "news.csv#6", "news.csv#8"]
    rates = articles["news.csv#2"]
    assert (rates.title, rates.date, rates.url) == ("Rates cut, again", "2024-05-01", "https://news.example/rates")
    assert rates.original == 'The central bank cut rates to 3%.\r\n\r\nThe governor said "enough" was enough.'
    assert rates.body.text == 'The central bank cut rates to 3%.\n\nThe governor said "enough" was enough.'
    assert cited(rates, '"enough"') == '"enough"'
    assert (articles["news.csv#6"].title, articles["news.csv#6"].date) == ("Quiet row", None)
    assert articles["news.csv#8"].body.text == "Only two cells."
    assert [(s.path, s.reason) for s in corpus.skipped] == [("news.csv#7", "the row on line 7 has no 'text' string")]


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_csv_from_a_spreadsheet_with_a_byte_order_mark_and_semicolons_or_tabs(tmp_path: Path, delimiter: str) -> None:
    rows = ["Title", "Text", "Date"], ["Rates cut", "The bank cut rates to 3,5%; markets rose.", "2024-05-01"]
    lines = [delimiter.join(f'"{cell}"' for cell in row) for row in rows]
    (tmp_path / "export.csv").write_bytes("\r\n".join(lines).encode("utf-8-sig"))
    article = only(load_folder(tmp_path))
    assert (article.title, article.date) == ("Rates cut", "2024-05-01")
    assert article.original == "The bank cut rates to 3,5%; markets rose."


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("headline,body\nA,B\n", "no 'text' column (it has: headline, body)"),
        ('title,text\n"Open quote,never closed\n', "the row on line 2 is not valid CSV"),
        ("title,text\n", "holds no articles"),
    ],
)
def test_unusable_csv_is_skipped_with_a_reason(tmp_path: Path, content: str, reason: str) -> None:
    (tmp_path / "good.txt").write_text("Good\n\nGood text.", encoding="utf-8")
    (tmp_path / "table.csv").write_text(content, encoding="utf-8")
    corpus = load_folder(tmp_path)
    assert [a.source for a in corpus.articles] == ["good.txt"]
    assert [s.path for s in corpus.skipped] == ["table.csv"] and reason in corpus.skipped[0].reason


@pytest.mark.slow
def test_csv_cell_longer_than_the_csv_modules_default_limit(tmp_path: Path) -> None:
    text = "A sentence of a very long article. " * 5000  # 175,000 characters: over csv's 131,072
    (tmp_path / "long.csv").write_text(f'title,text\nLong,"{text}"\n', encoding="utf-8")
    assert len(only(load_folder(tmp_path)).original) == len(text)


# --- duplicates ------------------------------------------------------------------------------------------------

STORY = "Dock workers in Rotterdam ended a strike on Friday.\n\nThe port said ships would sail again on Monday."


def test_the_same_text_under_two_names_or_formats_is_kept_once(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(f"Port strike ends\n\n{STORY}\n", encoding="utf-8")
    (tmp_path / "b.md").write_text(f"# Rotterdam strike over\n\n{STORY.upper()}\r\n", encoding="utf-8")
    (tmp_path / "c.jsonl").write_text(json.dumps({"title": "Strike", "text": STORY.replace("\n\n", "\n")}) + "\n")
    (tmp_path / "d.txt").write_text(f"Port strike ends\n\n{STORY} Unions welcomed the deal.\n", encoding="utf-8")
    corpus = load_folder(tmp_path)
    assert [a.source for a in corpus.articles] == ["a.txt", "d.txt"]
    assert [(s.path, s.duplicate_of) for s in corpus.skipped] == [("b.md", "a.txt"), ("c.jsonl#1", "a.txt")]
    assert corpus.skipped[0].reason == "it has the same text as a.txt"


def test_the_same_record_twice_in_one_file_is_kept_once(tmp_path: Path) -> None:
    record = json.dumps({"title": "Strike", "text": STORY})
    (tmp_path / "feed.jsonl").write_text(f"{record}\n{record}\n", encoding="utf-8")
    (tmp_path / "feed.csv").write_text(f'title,text\nA,"{STORY}"\nB,"{STORY}"\n', encoding="utf-8")
    corpus = load_folder(tmp_path)
    assert [a.source for a in corpus.articles] == ["feed.csv#2"]
    assert [(s.path, s.duplicate_of) for s in corpus.skipped] == [
        ("feed.csv#5", "feed.csv#2"),  # the cell holds a blank line: row B starts on line 5
        ("feed.jsonl#1", "feed.csv#2"),
        ("feed.jsonl#2", "feed.csv#2"),
    ]


def test_a_saved_page_and_its_text_copy_are_one_article(tmp_path: Path) -> None:
    (tmp_path / "hull.html").write_text(page(), encoding="utf-8")
    body = only(load_folder(tmp_path)).body.text
    (tmp_path / "hull.txt").write_text(f"Flood barrier opens in Hull\n\n{body}\n", encoding="utf-8")
    corpus = load_folder(tmp_path)
    assert [a.source for a in corpus.articles] == ["hull.html"]
    assert [(s.path, s.duplicate_of) for s in corpus.skipped] == [("hull.txt", "hull.html")]


# --- huge files ------------------------------------------------------------------------------------------------


def test_huge_jsonl_is_read_up_to_the_limit_and_the_rest_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("qa.ingest.files.MAX_FILE_BYTES", 2000)
    lines = [json.dumps({"title": f"Story {n}", "text": f"Story number {n} happened on day {n}."}) for n in range(60)]
    (tmp_path / "dump.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    corpus = load_folder(tmp_path)
    kept = len(corpus.articles)
    assert 0 < kept < 60
    assert [a.source for a in corpus.articles] == [f"dump.jsonl#{n}" for n in range(1, kept + 1)]
    assert sum(len(line) + 1 for line in lines[:kept]) <= 2000 < sum(len(line) + 1 for line in lines[: kept + 1])
    assert [s.path for s in corpus.skipped] == ["dump.jsonl"]
    assert "everything after its first" in corpus.skipped[0].reason and "limit" in corpus.skipped[0].reason


def test_huge_text_file_is_cut_between_words_and_characters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("qa.ingest.files.MAX_FILE_BYTES", 1001)
    text = "Big\n\n" + "naïve café " * 200  # two-byte characters: the cut falls inside one of them or a word
    (tmp_path / "big.txt").write_text(text, encoding="utf-8")
    article = only(load_folder(tmp_path))
    assert text.startswith(article.original)
    assert len(article.original.encode("utf-8")) <= 1001
    assert article.body.text.split()[-1] in ("naïve", "café")


def test_huge_page_is_read_up_to_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paragraphs = "".join(f"<p>Paragraph {n} of the long report on the harbour works.</p>\n" for n in range(400))
    html = page().replace("<p>Work on the barrier", f"{paragraphs}<p>Work on the barrier")
    monkeypatch.setattr("qa.ingest.files.MAX_FILE_BYTES", len(html.encode("utf-8")) // 2)
    (tmp_path / "long.html").write_text(html, encoding="utf-8")
    corpus = load_folder(tmp_path)
    body = only(corpus).body.text
    assert "costing £42m" in body and "Paragraph 10 of" in body
    assert "Paragraph 399 of" not in body and "according to the agency" not in body
    assert [s.path for s in corpus.skipped] == ["long.html"] and "everything after" in corpus.skipped[0].reason


@pytest.mark.parametrize("name", ["big.json", "big.pdf"])
def test_huge_file_that_cannot_be_read_in_part_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setattr("qa.ingest.files.MAX_FILE_BYTES", 1000)
    if name.endswith(".pdf"):
        write_pdf(tmp_path / name, [LONG_SENTENCE * 20])
    else:
        (tmp_path / name).write_text(json.dumps({"title": "T", "text": LONG_SENTENCE * 20}), encoding="utf-8")
    corpus = load_folder(tmp_path)
    assert corpus.articles == []
    assert [s.path for s in corpus.skipped] == [name]
    assert "cannot be read in part" in corpus.skipped[0].reason


# --- end to end: indexed and cited -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mixed_bot(tmp_path_factory: pytest.TempPathFactory) -> Bot:
    """A real Bot over a nested folder with one file of each new format."""
    folder = tmp_path_factory.mktemp("mixed") / "articles"
    (folder / "web" / "2024" / "03").mkdir(parents=True)
    (folder / "web" / "2024" / "03" / "hull.html").write_text(page(), encoding="utf-8")
    write_pdf(folder / "ferry.pdf", [f"Ferry terminal to open in Tarrowmouth\n\n{LONG_SENTENCE}"])
    (folder / "news.csv").write_bytes(CSV.encode("utf-8"))
    return Bot(folder, tmp_path_factory.mktemp("mixed-index"), progress_bar=False)


@pytest.mark.parametrize(
    ("question", "source", "answer"),
    [
        ("How much did the flood barrier in Hull cost?", "web/2024/03/hull.html", "£42m"),
        ("How much did the ferry terminal cost?", "ferry.pdf", "18 million\npounds"),
        ("What did the central bank cut rates to?", "news.csv#2", "3%"),
    ],
)
def test_answers_from_pages_pdfs_and_tables_cite_the_extracted_text(
    mixed_bot: Bot, question: str, source: str, answer: str
) -> None:
    best = mixed_bot.ask(question).answers[0]
    assert (best.text, best.source) == (answer, str(mixed_bot.articles / source))
    assert best.context[best.start - best.context_start : best.end - best.context_start] == best.text
    # The offsets count in the text that reading the file gives (`Article.original`): re-reading it checks them.
    relative = source.split("#")[0]
    [article] = [a for a in read_file(mixed_bot.articles / relative, relative).articles if a.source == source]
    assert article.original[best.start : best.end] == best.text
