"""Watching the articles folder (`qa.index.watch`): real files on disk, the system's watcher and the polling one."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa.index.watch import FolderWatcher

# Generous: the watcher settles for 0.2 s here, polls every 2 s; a loaded CI machine may be slow to schedule it.
DEADLINE = 20.0


class Calls:
    """Counts the watcher's callbacks, and lets a test wait for the next one."""

    def __init__(self) -> None:
        self.count = 0
        self._condition = threading.Condition()

    def __call__(self) -> None:
        with self._condition:
            self.count += 1
            self._condition.notify_all()

    def wait_for(self, count: int) -> bool:
        with self._condition:
            return self._condition.wait_for(lambda: self.count >= count, timeout=DEADLINE)


@pytest.fixture(params=[False, True], ids=["notified", "polling"])
def watched(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Path, Calls]]:
    folder = tmp_path / "articles"
    (folder / "index").mkdir(parents=True)
    (folder / "old.txt").write_text("Old news\n\nNothing happened.", encoding="utf-8")
    calls = Calls()
    with FolderWatcher(folder, calls, ignore=folder / "index", settle=0.2, polling=request.param):
        time.sleep(0.3)  # the polling watcher takes its first look at the folder
        yield folder, calls


def test_a_new_file_is_noticed_once_for_a_burst_of_changes(watched: tuple[Path, Calls]) -> None:
    folder, calls = watched
    for number in range(5):
        (folder / f"new-{number}.txt").write_text(f"Story {number}\n\nIt happened.", encoding="utf-8")
    assert calls.wait_for(1), "a new file was not noticed"
    time.sleep(3)
    assert calls.count == 1, "five files copied at once gave more than one update"


def test_a_change_and_a_removal_are_noticed(watched: tuple[Path, Calls]) -> None:
    folder, calls = watched
    (folder / "old.txt").write_text("Old news\n\nSomething happened after all.", encoding="utf-8")
    assert calls.wait_for(1), "a changed file was not noticed"
    (folder / "old.txt").unlink()
    assert calls.wait_for(2), "a removed file was not noticed"


def test_reading_files_and_writing_the_index_are_not_changes(watched: tuple[Path, Calls]) -> None:
    """Indexing reads every article and writes the index: were those changes, the folder would be indexed for ever."""
    folder, calls = watched
    for _ in range(3):
        (folder / "old.txt").read_text(encoding="utf-8")
        (folder / "index" / "manifest.json").write_text("{}", encoding="utf-8")
        (folder / "index" / "g1").mkdir(exist_ok=True)
    time.sleep(4.5)
    assert calls.count == 0


def test_a_failing_update_does_not_end_the_watching(tmp_path: Path) -> None:
    calls = Calls()

    def update() -> None:
        calls()
        if calls.count == 1:
            raise OSError("No space left on device")

    with FolderWatcher(tmp_path, update, settle=0.2):
        (tmp_path / "a.txt").write_text("A\n\nFirst.", encoding="utf-8")
        assert calls.wait_for(1)
        (tmp_path / "b.txt").write_text("B\n\nSecond.", encoding="utf-8")
        assert calls.wait_for(2), "the watcher stopped after one failed update"
