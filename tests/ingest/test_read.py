"""Finding, decoding and reading article files (`qa.ingest.read`)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from qa.errors import ArticleError
from qa.ingest.article import Article, Corpus
from qa.ingest.files import decode
from qa.ingest.read import load_folder, read_file
from tests.conftest import SEEDS, shared_file

SEED = SEEDS / "seed-north-korea.txt"


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def only(corpus: Corpus) -> Article:
    assert len(corpus.articles) == 1, corpus
    return corpus.articles[0]


def by_source(corpus: Corpus) -> dict[str, Article]:
    return {article.source: article for article in corpus.articles}


def skipped_reason(corpus: Corpus, path: str) -> str:
    reasons = {skip.path: skip.reason for skip in corpus.skipped}
    assert path in reasons, corpus.skipped
    return reasons[path]


def word_in_original(article: Article, word: str, last: bool = False) -> str:
    """The original characters that the cleaned body's (first or last) `word` maps back to."""
    position = article.body.text.rfind(word) if last else article.body.text.find(word)
    assert position >= 0, word
    start, end = article.body.span(position, position + len(word))
    return article.original[start:end]


# --- plain text and Markdown -----------------------------------------------------------------------------------


def test_txt_first_line_is_the_title(tmp_path: Path) -> None:
    write(tmp_path, "a.txt", "\n  My Title  \n\nFirst paragraph.\n\nSecond paragraph.\n")
    article = only(load_folder(tmp_path))
    assert article.source == "a.txt"
    assert article.title == "My Title"
    assert article.body.text == "First paragraph.\n\nSecond paragraph."
    assert article.original == "\n  My Title  \n\nFirst paragraph.\n\nSecond paragraph.\n"
    assert article.date is None and article.url is None
    assert word_in_original(article, "Second") == "Second"


def test_txt_with_crlf_has_a_clean_title_and_body(tmp_path: Path) -> None:
    write(tmp_path, "a.txt", b"Title\r\n\r\nBody line one\r\nwrapped.\r\n\r\nNext.\r\n")
    article = only(load_folder(tmp_path))
    assert article.title == "Title"
    assert article.body.text == "Body line one wrapped.\n\nNext."
    assert article.original == "Title\r\n\r\nBody line one\r\nwrapped.\r\n\r\nNext.\r\n"
    assert word_in_original(article, "wrapped.") == "wrapped."


def test_seed_article() -> None:
    article = only(read_file(SEED, "seed-north-korea.txt"))
    assert article.title == "North Korea fires ballistic missile off coast of Japan"
    assert article.original == SEED.read_text(encoding="utf-8")
    assert article.body.text.startswith("North Korea launched a ballistic missile")
    assert "Credit" not in article.body.text
    assert word_in_original(article, "Japan's Prime") == "Japan's Prime"
    assert word_in_original(article, "denuclearisation", last=True) == "denuclearisation"


def test_md_heading_is_the_title_and_markup_is_removed(tmp_path: Path) -> None:
    text = (
        "---\nlayout: post\n---\n![badge](b.svg)\n\n# The Real Title\n\n"
        "Read [the full report](https://example.com/r) and **this bold claim** or *that* `code`.\n\n"
        "## A subheading\n\nMore text here.\n"
    )
    write(tmp_path, "post.md", text)
    article = only(load_folder(tmp_path))
    assert article.title == "The Real Title"
    body = article.body.text
    assert body == ("Read the full report and this bold claim or that code.\n\nA subheading\n\nMore text here.")
    assert "layout" not in body and "badge" not in body
    assert word_in_original(article, "More text") == "More text"


def test_md_without_a_heading_uses_its_first_line(tmp_path: Path) -> None:
    write(tmp_path, "note.md", "Plain first line\n\nBody **here**.\n")
    article = only(load_folder(tmp_path))
    assert article.title == "Plain first line"
    assert article.body.text == "Body here."


@pytest.mark.parametrize("word", ["full report", "bold claim"])
def test_md_markup_removal_keeps_the_offset_map(tmp_path: Path, word: str) -> None:
    write(tmp_path, "post.md", "# Title\n\nRead [the full report](https://example.com/r) and **this bold claim**.\n")
    assert word_in_original(only(load_folder(tmp_path)), word) == word


@pytest.mark.parametrize(("name", "content"), [("a.txt", "The Title\n\nBody."), ("a.md", "# The Title\n\nBody.")])
def test_utf8_byte_order_mark_is_not_part_of_the_title(tmp_path: Path, name: str, content: str) -> None:
    write(tmp_path, name, b"\xef\xbb\xbf" + content.encode("utf-8"))
    assert only(load_folder(tmp_path)).title == "The Title"


# --- JSON and JSON Lines ---------------------------------------------------------------------------------------


def test_json_object(tmp_path: Path) -> None:
    record = {
        "title": "JSON title",
        "text": "Body \u201cquoted\u201d.It ends.",
        "date": "2021-10-19",
        "url": "https://x.y/1",
    }
    write(tmp_path, "one.json", json.dumps(record))
    article = only(load_folder(tmp_path))
    assert (article.source, article.title, article.date, article.url) == (
        "one.json",
        "JSON title",
        "2021-10-19",
        "https://x.y/1",
    )
    assert article.original == record["text"]
    assert article.body.text == 'Body "quoted". It ends.'
    assert word_in_original(article, "It ends.") == "It ends."


def test_json_list_numbers_its_records(tmp_path: Path) -> None:
    records = [{"title": "First", "text": "One."}, {"title": "Second", "text": "Two.", "date": 2021}]
    write(tmp_path, "many.json", json.dumps(records))
    articles = by_source(load_folder(tmp_path))
    assert set(articles) == {"many.json#0", "many.json#1"}
    assert articles["many.json#0"].title == "First"
    assert articles["many.json#1"].body.text == "Two."
    assert articles["many.json#1"].date == "2021"
    assert articles["many.json#0"].id != articles["many.json#1"].id


def test_jsonl_records_get_their_line_number(tmp_path: Path) -> None:
    lines = [
        json.dumps({"title": "A", "text": "Alpha text.", "url": "https://a"}),
        "",
        json.dumps({"title": "B", "text": "Beta text.", "date": "2020-01-01"}),
        json.dumps({"text": "Gamma first line\nGamma second line."}),
    ]
    write(tmp_path, "feed.jsonl", "\n".join(lines) + "\n")
    articles = by_source(load_folder(tmp_path))
    assert set(articles) == {"feed.jsonl#1", "feed.jsonl#3", "feed.jsonl#4"}
    assert articles["feed.jsonl#1"].url == "https://a" and articles["feed.jsonl#1"].date is None
    assert articles["feed.jsonl#3"].date == "2020-01-01"
    # Without a title, the first line of the text stands in.
    assert articles["feed.jsonl#4"].title == "Gamma first line"


def test_jsonl_text_may_contain_unicode_line_separators(tmp_path: Path) -> None:
    record = {"title": "A", "text": "First part\u2028second part."}
    write(tmp_path, "feed.jsonl", json.dumps(record, ensure_ascii=False) + "\n")
    corpus = load_folder(tmp_path)
    assert not corpus.skipped
    assert only(corpus).source == "feed.jsonl#1"


def test_content_hash_follows_the_content_and_id_the_source(tmp_path: Path) -> None:
    write(tmp_path, "a.txt", "T\n\nBody one.")
    first = only(load_folder(tmp_path))
    write(tmp_path, "a.txt", "T\n\nBody two.")
    second = only(load_folder(tmp_path))
    assert first.id == second.id
    assert first.content_hash != second.content_hash
    assert len(first.id) == 16


# --- folders ---------------------------------------------------------------------------------------------------


def test_nested_folders_are_read_in_sorted_order(tmp_path: Path) -> None:
    write(tmp_path, "b.txt", "B\n\nBee.")
    write(tmp_path, "a/z.txt", "Z\n\nZed.")
    write(tmp_path, "a/deeper/c.md", "# C\n\nSee.")
    write(tmp_path, "a/deeper/still/further/down/d.jsonl", json.dumps({"title": "D", "text": "Dee."}))
    write(tmp_path, "a/notes.docx", "not an article")
    write(tmp_path, "README", "no suffix")
    corpus = load_folder(tmp_path)
    assert [a.source for a in corpus.articles] == [
        "a/deeper/c.md",
        "a/deeper/still/further/down/d.jsonl#1",
        "a/z.txt",
        "b.txt",
    ]
    assert corpus.skipped == []
    assert corpus.folder == tmp_path.resolve()


def test_upper_case_suffixes_are_read(tmp_path: Path) -> None:
    write(tmp_path, "LOUD.TXT", "Loud\n\nText.")
    assert only(load_folder(tmp_path)).title == "Loud"


def test_hidden_files_and_folders_are_ignored(tmp_path: Path) -> None:
    write(tmp_path, "visible.txt", "V\n\nVisible.")
    write(tmp_path, ".hidden.txt", "H\n\nHidden.")
    write(tmp_path, ".git/objects/x.txt", "G\n\nGit.")
    write(tmp_path, "sub/.cache/y.json", json.dumps({"text": "cached"}))
    corpus = load_folder(tmp_path)
    assert [a.source for a in corpus.articles] == ["visible.txt"]
    assert corpus.skipped == []


def test_symlinks_pointing_outside_are_not_followed(tmp_path: Path) -> None:
    folder, outside = tmp_path / "articles", tmp_path / "outside"
    write(folder, "inside.txt", "Inside\n\nInside text.")
    secret = write(outside, "secret.txt", "Secret\n\nSecret text.")
    write(outside, "dir/other.txt", "Other\n\nOther text.")
    os.symlink(secret, folder / "link.txt")
    os.symlink(outside / "dir", folder / "linked-dir")
    os.symlink(folder / "inside.txt", folder / "alias.txt")  # inside the folder: read, and found to be a copy
    corpus = load_folder(folder)
    assert [a.source for a in corpus.articles] == ["alias.txt"]
    assert [(s.path, s.duplicate_of) for s in corpus.skipped] == [("inside.txt", "alias.txt")]
    assert all("Secret" not in a.original and "Other" not in a.original for a in corpus.articles)


def test_a_bad_entry_is_skipped_with_its_name_and_the_rest_is_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write(tmp_path, "good.txt", "Good\n\nGood text.")
    os.symlink("loop.txt", tmp_path / "loop.txt")  # a link to itself
    os.symlink(tmp_path / "gone.txt", tmp_path / "dangling.txt")
    (tmp_path / os.fsdecode(b"caf\xe9.txt")).write_bytes(b"Cafe\n\nA name in Latin-1 bytes.")
    corpus = load_folder(tmp_path)
    assert [article.source for article in corpus.articles] == ["good.txt"]
    assert "Skipping loop.txt: it cannot be followed" in caplog.text
    assert "Skipping dangling.txt: it cannot be followed" in caplog.text
    assert "Skipping caf\\xe9.txt: its name is not valid UTF-8 (rename the file)" in caplog.text


def test_dot_dot_in_the_folder_name_is_resolved_and_links_up_are_not_followed(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    write(folder, "sub/inside.txt", "Inside\n\nInside text.")
    write(tmp_path, "secret.txt", "Secret\n\nSecret text.")
    os.symlink("../..", folder / "sub" / "up")  # a loop back to the folder's parent
    os.symlink("../../secret.txt", folder / "sub" / "secret.txt")
    corpus = load_folder(folder / "sub" / "..")
    assert corpus.folder == folder
    assert [a.source for a in corpus.articles] == ["sub/inside.txt"]


def test_missing_folder_raises_with_its_name(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder"
    with pytest.raises(ArticleError, match="no-such-folder"):
        load_folder(missing)


def test_a_file_is_not_a_folder(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", "T\n\nBody.")
    with pytest.raises(ArticleError, match=re.escape(str(path))):
        load_folder(path)


def test_empty_folder_gives_an_empty_corpus(tmp_path: Path) -> None:
    corpus = load_folder(tmp_path)
    assert corpus.articles == [] and corpus.skipped == []


# --- bad files are skipped, with a reason ----------------------------------------------------------------------


BAD_FILES: list[tuple[str, str | bytes, str]] = [
    ("empty.txt", b"", "empty"),
    ("blank.txt", b"  \n\t\r\n  \n", "empty"),
    ("binary.txt", b"PK\x03\x04\x00\x00\x08\x00binary", "binary"),
    ("title-only.txt", "Just a title\n\n   \n", "title but no text"),
    ("title-only.md", "# Just a heading\n", "title but no text"),
    ("credit-only.txt", "Title\n\nCredit: AP\n", "title but no text"),
    ("broken.json", '{\n "title": "T",\n "text": oops\n}', "line 3"),
    ("no-text.json", json.dumps({"title": "T", "body": "wrong field"}), "no 'text'"),
    ("blank-text.json", json.dumps({"title": "T", "text": "   "}), "no 'text'"),
    ("number-text.json", json.dumps({"title": "T", "text": 42}), "no 'text'"),
    ("bad-title.json", json.dumps({"title": ["T"], "text": "Body."}), "'title'"),
    ("scalar.json", "42", "not a JSON object"),
    ("empty-list.json", "[]", "no articles"),
    (
        "bad-items.json",
        json.dumps(["oops", {"title": "B"}]),
        "item 0 is not a JSON object with 'title' and 'text' (and 1 more bad records)",
    ),
    ("bad-line.jsonl", "\n{not json\n", "line 2 is not valid JSON"),
    ("no-text.jsonl", json.dumps({"title": "B"}), "line 1 has no 'text'"),
]


@pytest.mark.parametrize(("name", "content", "reason"), BAD_FILES, ids=[name for name, _, _ in BAD_FILES])
def test_bad_file_is_skipped_with_a_reason(tmp_path: Path, name: str, content: str | bytes, reason: str) -> None:
    write(tmp_path, "good.txt", "Good\n\nGood text.")
    write(tmp_path, name, content)
    corpus = load_folder(tmp_path)
    assert [a.source for a in corpus.articles] == ["good.txt"]
    assert reason in skipped_reason(corpus, name)


def test_all_bad_files_are_reported_together(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    for name, content, _ in BAD_FILES:
        write(tmp_path, f"bad/{name}", content)
    write(tmp_path, "z-good.txt", "Good\n\nGood text.")
    corpus = load_folder(tmp_path)
    assert [a.source for a in corpus.articles] == ["z-good.txt"]
    assert sorted(s.path for s in corpus.skipped) == sorted(f"bad/{name}" for name, _, _ in BAD_FILES)
    assert "bad/binary.txt" in caplog.text


PARTLY_BAD_FILES: list[tuple[str, str, str, str]] = [
    ("list.json", json.dumps([{"title": "A", "text": "Fine."}, "oops"]), "list.json#1", "item 1"),
    ("lines.jsonl", json.dumps({"title": "A", "text": "Fine."}) + "\n{not json\n", "lines.jsonl#2", "line 2"),
    (
        "lines.jsonl",
        "\n" + json.dumps({"title": "B"}) + "\n" + json.dumps({"text": "Fine."}),
        "lines.jsonl#2",
        "line 2",
    ),
]


@pytest.mark.parametrize(("name", "content", "bad", "reason"), PARTLY_BAD_FILES)
def test_a_bad_record_is_skipped_and_the_rest_of_its_file_kept(
    tmp_path: Path, name: str, content: str, bad: str, reason: str
) -> None:
    write(tmp_path, name, content)
    corpus = load_folder(tmp_path)
    assert [a.body.text for a in corpus.articles] == ["Fine."]
    assert [skip.path for skip in corpus.skipped] == [bad]
    assert reason in skipped_reason(corpus, bad)


def test_read_file_raises_for_a_bad_file(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.json", "{")
    with pytest.raises(ArticleError, match="not valid JSON"):
        read_file(path, "broken.json")


def test_unreadable_file_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "locked.txt", "T\n\nBody.")
    write(tmp_path, "open.txt", "Open\n\nBody.")
    real_open = Path.open

    def open_file(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == "locked.txt":  # the tests run as root, for whom no permission bit locks a file
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_file)
    corpus = load_folder(tmp_path)
    assert [a.source for a in corpus.articles] == ["open.txt"]
    assert skipped_reason(corpus, "locked.txt") == "cannot be read (Permission denied)"


def test_oversized_file_is_read_up_to_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("qa.ingest.files.MAX_FILE_BYTES", 1000)
    write(tmp_path, "big.txt", "Big\n\n" + "word " * 400)
    corpus = load_folder(tmp_path)
    assert len(only(corpus).original) <= 1000
    assert "limit" in skipped_reason(corpus, "big.txt")


# --- decoding --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("caf\u00e9 na\u00efve \u201cok\u201d".encode(), "caf\u00e9 na\u00efve \u201cok\u201d"),
        (b"caf\xe9 na\xefve", "caf\u00e9 na\u00efve"),  # Latin-1
        (b"\x93quoted\x94 \x96 dash \x80", "\u201cquoted\u201d \u2013 dash \u20ac"),  # Windows-1252
        (b"undefined in cp1252: \x81\x8d", "undefined in cp1252: \x81\x8d"),  # falls back to Latin-1
        (b"line\r\nline\r\n", "line\r\nline\r\n"),  # kept as is: offsets are offsets into the file
    ],
)
def test_decode(tmp_path: Path, data: bytes, expected: str) -> None:
    assert decode(write(tmp_path, "x.txt", data)) == expected


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_with_a_byte_order_mark_are_read(tmp_path: Path, encoding: str) -> None:
    text = "Caf\u00e9 title\n\nThe \u201cna\u00efve\u201d story.\n"
    write(tmp_path, "unicode.txt", "\ufeff".encode(encoding) + text.encode(encoding))
    article = only(load_folder(tmp_path))
    assert article.title == "Caf\u00e9 title"
    assert word_in_original(article, "na\u00efve") == "na\u00efve"


def test_a_byte_order_mark_before_broken_text_is_skipped_not_a_crash(tmp_path: Path) -> None:
    write(tmp_path, "good.txt", "Good\n\nGood text.")
    write(tmp_path, "odd.txt", b"\xff\xfeA\x00B")  # a UTF-16 mark, then an odd number of bytes
    corpus = load_folder(tmp_path)
    assert [a.source for a in corpus.articles] == ["good.txt"]
    assert "UTF-16" in skipped_reason(corpus, "odd.txt")


def test_utf16_without_a_byte_order_mark_is_rejected_as_binary(tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match="binary"):
        decode(write(tmp_path, "x.txt", "Title\n\nText.".encode("utf-16-le")))


def test_non_utf8_file_is_read_not_skipped(tmp_path: Path) -> None:
    write(tmp_path, "latin.txt", b"Caf\xe9 title\n\nA caf\xe9 na\xefve story.\n")
    corpus = load_folder(tmp_path)
    assert corpus.skipped == []
    article = only(corpus)
    assert article.title == "Caf\u00e9 title"
    assert article.body.text == "A caf\u00e9 na\u00efve story."
    assert word_in_original(article, "na\u00efve") == "na\u00efve"


def test_binary_file_is_rejected_by_decode(tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match="binary"):
        decode(write(tmp_path, "x.txt", b"text\x00more"))


def test_shared_latin1_bbc_article_is_read() -> None:
    path = shared_file("corpora/bbc-news/sport/199.txt")
    article = only(read_file(path, "sport/199.txt"))
    assert "\ufffd" not in article.original
    assert article.title and article.body.text


# --- size ------------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_five_megabyte_article_loads_and_maps_back(tmp_path: Path) -> None:
    paragraph = (
        "The minister said on Tuesday that the talks would resume.It was \u201cregrettable\u201d, she added. "
        "Officials\u00a0declined to comment on the timing of the next round.\n"
    )
    repeats = 5_000_000 // len(paragraph) + 1
    text = "Big article\n\n" + "\n".join([paragraph] * repeats) + "\nThe final word is zanzibar.\n"
    write(tmp_path, "big.txt", text)
    article = only(load_folder(tmp_path))
    assert len(article.original) > 5_000_000
    assert article.body.text.endswith("The final word is zanzibar.")
    assert word_in_original(article, "zanzibar", last=True) == "zanzibar"
    assert word_in_original(article, "regrettable", last=True) == "regrettable"
    start, end = article.body.span(len(article.body.text) - 8, len(article.body.text) - 1)
    assert (start, end) == (len(text) - 9, len(text) - 2)


@pytest.mark.parametrize("folder", ["/", "/usr", "/etc/", "~"])
def test_the_whole_system_or_home_is_not_a_folder_of_articles(folder: str) -> None:
    with pytest.raises(ArticleError, match="not a folder of articles: indexing it would read every file"):
        load_folder(folder)


def test_a_folder_inside_home_is_fine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "a.txt").write_text("Title\n\nBody of the article.", encoding="utf-8")
    with pytest.raises(ArticleError, match="your home folder"):
        load_folder(tmp_path)
    assert [article.title for article in load_folder(tmp_path / "news").articles] == ["Title"]
    monkeypatch.setenv("QA_ANY_FOLDER", "1")  # the user says it is one
    assert [article.title for article in load_folder(tmp_path).articles] == ["Title"]


def test_utf8_with_a_broken_byte_stays_utf8(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    body = "Caf\u00e9 owners said the \u201cnew rules\u201d were na\u00efve \u2013 and costly. " * 4
    (tmp_path / "a.txt").write_bytes(b"Title\n\n" + body.encode() + b"\xff The end.")
    [article] = read_file(tmp_path / "a.txt", "a.txt").articles

    assert "\u201cnew rules\u201d" in article.original and "\ufffd The end." in article.original  # not "â€œ"
    assert "a.txt is UTF-8 but for 1 broken bytes" in caplog.text
    # Windows-1252 text, whose accented letters are single bytes, is still read as Windows-1252.
    (tmp_path / "b.txt").write_bytes(("Title\n\n" + body.replace("\u2026", "")).encode("cp1252"))
    assert "\u201cnew rules\u201d" in read_file(tmp_path / "b.txt", "b.txt").articles[0].original
