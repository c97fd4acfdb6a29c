"""How far an indexing has got (`qa.index.progress`), and what `Index.open` reports of it, with the real model."""

from __future__ import annotations

import shutil
from dataclasses import fields
from pathlib import Path

import pytest

import qa.index.build
from qa.index.progress import IndexProgress
from tests.conftest import shared_file
from tests.index.conftest import open_index


def _progress(
    read: int, kept: int, embedded: int, found: int, bytes_read: int, bytes_done: int, seconds: float
) -> IndexProgress:
    """300 files of 1,300,000 bytes in all, `read` of them read so far."""
    return IndexProgress(read, 300, kept, embedded, found, bytes_read, bytes_done, 1_300_000, seconds)


@pytest.mark.parametrize(
    ("progress", "line"),
    [
        (_progress(3, 3, 0, 0, 12_000, 0, 2.4), "Indexing: 3 of 300 files read; 2 s so far."),
        (
            _progress(30, 30, 256, 300, 130_000, 100_000, 20.0),
            "Indexing: 30 of 300 files read, 256 of about 3,000 passages embedded; 20 s so far, about 4 min left.",
        ),
        (
            _progress(120, 118, 1450, 1530, 520_000, 480_000, 48.0),
            "Indexing: 120 of 300 files read (118 articles), 1,450 of about 3,825 passages embedded; 48 s so far, "
            "about 1 min 20 s left.",
        ),
        (
            _progress(300, 300, 3000, 3412, 1_300_000, 1_100_000, 100.0),
            "Indexing: 300 of 300 files read, 3,000 of 3,412 passages embedded; 1 min 40 s so far, about 20 s left.",
        ),
        (
            _progress(300, 300, 3400, 3412, 1_300_000, 1_290_000, 100.0),
            "Indexing: 300 of 300 files read, 3,400 of 3,412 passages embedded; 1 min 40 s so far, a few seconds left.",
        ),
        (
            _progress(300, 300, 3412, 3412, 1_300_000, 1_300_000, 112.4),
            "Read 300 files and embedded 3,412 passages in 1 min 52 s.",
        ),
        (IndexProgress(1, 1, 1, 1, 1, 900, 900, 900, 0.4), "Read 1 file and embedded 1 passage in 0 s."),
        (IndexProgress(0, 1, 0, 0, 0, 0, 0, 900, 0.4), "Indexing: 0 of 1 file read; 0 s so far."),
    ],
)
def test_a_progress_is_said_in_one_plain_line(progress: IndexProgress, line: str) -> None:
    assert progress.line() == line


def test_the_usage_example_says_what_it_shows() -> None:
    progress = IndexProgress(
        files_read=120,
        files_total=300,
        articles=118,
        passages_embedded=1450,
        passages_found=1530,
        bytes_read=520_000,
        bytes_done=480_000,
        bytes_total=1_300_000,
        seconds=48.0,
    )
    assert progress.line() == (
        "Indexing: 120 of 300 files read (118 articles), 1,450 of about 3,825 passages embedded; 48 s so far, "
        "about 1 min 20 s left."
    )
    assert progress.passages_expected == 3825 and progress.seconds_left == pytest.approx(82.0)
    assert progress.fraction == pytest.approx(480_000 / 1_300_000) and not progress.done


@pytest.mark.parametrize(
    ("progress", "left", "fraction"),
    [
        (_progress(3, 3, 0, 0, 12_000, 0, 2.4), None, 0.0),  # nothing finished: no basis for an estimate
        (_progress(300, 300, 3412, 3412, 1_300_000, 1_300_000, 112.4), 0.0, 1.0),
        (IndexProgress(0, 0, 0, 0, 0, 0, 0, 0, 0.1), 0.0, 1.0),  # an empty folder is done at once
    ],
)
def test_time_left_and_fraction_at_the_ends(progress: IndexProgress, left: float | None, fraction: float) -> None:
    assert (progress.seconds_left, progress.fraction) == (left, fraction)


def test_a_progress_seen_later_has_taken_longer_and_a_finished_one_not() -> None:
    progress = _progress(120, 118, 1450, 1530, 520_000, 480_000, 48.0)
    finished = _progress(300, 300, 3412, 3412, 1_300_000, 1_300_000, 112.4)

    later = progress.after(12.0)

    assert later.seconds == 60.0 and later.seconds_left == pytest.approx(820_000 * 60 / 480_000)
    assert later.line().endswith("; 1 min so far, about 1 min 40 s left.")
    assert finished.after(12.0) == finished


def _bbc_folder(folder: Path, count: int) -> Path:
    """`count` BBC business articles, a copy of the first and an empty file."""
    source = shared_file("corpora/bbc-news/business")
    folder.mkdir()
    for path in sorted(source.glob("*.txt"))[:count]:
        shutil.copy(path, folder / path.name)
    shutil.copy(folder / "001.txt", folder / "copy-of-001.txt")
    (folder / "empty.txt").write_text("", encoding="utf-8")
    return folder


@pytest.mark.slow
def test_index_open_reports_growing_counts_that_end_at_the_totals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(qa.index.build, "EMBED_CHUNK", 8)  # several chunks from a few articles
    folder = _bbc_folder(tmp_path / "bbc", 8)
    seen: list[IndexProgress] = []

    _, report = open_index(folder, tmp_path / "index", on_progress=seen.append)

    last = seen[-1]
    assert last.done and last.fraction == 1.0 and last.seconds_left == 0.0
    assert (last.files_read, last.files_total, last.articles) == (10, 10, 8) == (10, 10, report.articles)
    assert last.passages_embedded == last.passages_found == last.passages_expected == report.passages
    assert last.bytes_read == last.bytes_done == last.bytes_total == sum(p.stat().st_size for p in folder.iterdir())
    assert 0 < last.seconds <= report.seconds
    for field in fields(IndexProgress):
        values = [getattr(progress, field.name) for progress in seen]
        assert values == sorted(values), f"{field.name} went down"
    assert {progress.files_read for progress in seen} == set(range(1, 11)), "not a report after each file"
    assert len({progress.passages_embedded for progress in seen}) > 4, "not a report after each chunk"
    assert all(progress.passages_expected >= progress.passages_found for progress in seen)
    assert all((progress.seconds_left is None) == (progress.bytes_done == 0) for progress in seen)
    for progress in seen:  # once half the bytes are done, the estimate is of the right size
        if progress.fraction >= 0.5 and progress.seconds_left is not None:
            assert last.seconds / 5 <= progress.seconds + progress.seconds_left <= last.seconds * 5


@pytest.mark.slow
def test_an_update_reports_only_what_it_embeds_and_an_index_up_to_date_nothing(tmp_path: Path) -> None:
    folder = _bbc_folder(tmp_path / "bbc", 3)
    directory = tmp_path / "index"
    open_index(folder, directory)
    seen: list[IndexProgress] = []

    open_index(folder, directory, on_progress=seen.append)
    assert seen == []

    shutil.copy(shared_file("corpora/bbc-news/business/100.txt"), folder / "100.txt")
    index, report = open_index(folder, directory, on_progress=seen.append)

    new = next(info for info in index.articles.values() if info["source"] == "100.txt")
    assert report.added == 1 and seen[-1].done and seen[-1].files_total == 6
    assert seen[-1].passages_found == seen[-1].passages_embedded == new["passages"] < report.passages
