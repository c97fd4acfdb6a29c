"""Adding articles from the browser: good ones saved under uploads/, bad ones refused with the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.config import MAX_FILE_BYTES
from qa.errors import ArticleError
from qa.ingest import uploads
from qa.ingest.read import load_folder


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    return folder


def _upload(tmp_path: Path, name: str, content: bytes) -> tuple[Path, str]:
    path = tmp_path / "incoming" / Path(name).name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(content)
    return path, name


def test_a_good_file_is_saved_under_uploads_and_read_like_any_article(folder: Path, tmp_path: Path) -> None:
    added = uploads.add_files(folder, [_upload(tmp_path, "budget.txt", b"Budget passes\n\nThe budget passed.\n")])

    assert added.saved == ["uploads/budget.txt"] and added.refused == []
    assert [article.title for article in load_folder(folder).articles] == ["Budget passes"]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("photo.txt", bytes(range(256)) * 8, "binary"),
        ("notes.docx", b"Title\n\nText", "not an article format"),
        ("broken.jsonl", b'{"title": "A"\n', "line 1"),
        ("list.json", b'[{"title": "No text"}]', "text"),
    ],
)
def test_a_bad_file_is_refused_with_the_reason_and_not_saved(
    folder: Path, tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    added = uploads.add_files(folder, [_upload(tmp_path, name, content)])

    assert added.saved == []
    assert [skip.path for skip in added.refused] == [name]
    assert reason in added.refused[0].reason
    assert not (folder / uploads.UPLOADS).exists() or not any((folder / uploads.UPLOADS).iterdir())


def test_a_text_file_over_the_read_limit_is_taken_as_the_folder_would_read_it(folder: Path, tmp_path: Path) -> None:
    path = tmp_path / "export.txt"
    path.write_bytes(b"Huge export\n\nThe first article of it.\n" + b"word " * (MAX_FILE_BYTES // 5))

    added = uploads.add_files(folder, [(path, "export.txt")])

    assert added.saved == ["uploads/export.txt"] and added.refused == []
    assert (folder / "uploads" / "export.txt").stat().st_size == path.stat().st_size  # kept whole; read in part


def test_a_json_file_over_the_read_limit_is_refused(folder: Path, tmp_path: Path) -> None:
    path = tmp_path / "dump.json"
    path.write_bytes(b'[{"title": "A", "text": "' + b"x" * MAX_FILE_BYTES + b'"}]')

    added = uploads.add_files(folder, [(path, "dump.json")])

    assert added.saved == [] and "cannot be read in part" in added.refused[0].reason


def test_a_jsonl_file_with_one_bad_record_is_refused_whole(folder: Path, tmp_path: Path) -> None:
    content = b'{"title": "Good", "text": "Fine."}\nnot json\n'
    added = uploads.add_files(folder, [_upload(tmp_path, "feed.jsonl", content)])

    assert added.saved == [] and "feed.jsonl#2" in added.refused[0].reason


def test_uploads_never_overwrite_each_other_and_names_are_made_safe(folder: Path, tmp_path: Path) -> None:
    first = uploads.add_files(folder, [_upload(tmp_path, "../../news item.txt", b"One\n\nFirst.\n")])
    second = uploads.add_files(folder, [_upload(tmp_path, "news item.txt", b"Two\n\nSecond.\n")])

    assert first.saved == ["uploads/news-item.txt"] and second.saved == ["uploads/news-item-2.txt"]
    assert (folder / "uploads/news-item.txt").read_text() == "One\n\nFirst.\n"


def test_pasted_text_becomes_a_txt_article_with_its_title(folder: Path) -> None:
    saved = uploads.add_text(folder, "  Rail strike ends ", "Drivers returned to work on Monday.")

    (article,) = load_folder(folder).articles
    assert saved == "uploads/Rail-strike-ends.txt"
    assert article.title == "Rail strike ends" and "returned to work" in article.original


@pytest.mark.parametrize(("title", "text", "message"), [("", "Text.", "title"), ("Title", "  ", "empty")])
def test_pasted_text_needs_a_title_and_a_body(folder: Path, title: str, text: str, message: str) -> None:
    with pytest.raises(ArticleError, match=message):
        uploads.add_text(folder, title, text)


@pytest.mark.parametrize("character", ["𠀀", "é", "a"])
def test_a_long_title_in_any_script_makes_a_name_the_file_system_takes(folder: Path, character: str) -> None:
    title = character * 300

    saved = uploads.add_text(folder, title, "A body of text.")
    again = uploads.add_text(folder, title, "Another body of text.")

    assert saved != again
    for name in (saved, again):
        assert len(Path(name).name.encode()) <= 255
        assert (folder / name).read_text(encoding="utf-8").startswith(title)
        assert Path(name).stem.startswith(character * 10)


def test_remove_takes_back_what_was_saved(folder: Path) -> None:
    saved = uploads.add_text(folder, "Gone", "Soon removed.")

    uploads.remove(folder, [saved])

    assert not (folder / saved).exists()
