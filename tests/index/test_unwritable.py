"""An index that cannot be written or read as it should: a full disk, a read-only folder, a generation folder whose
permissions were taken away. Each is one sentence from `qa`, never a traceback, and the previous index survives.

Root bypasses file permissions, so as root the `qa` process under test runs without the capabilities that do it
(`setpriv`); the full disk is a small tmpfs, which needs the right to mount one.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa.errors import IndexingError
from qa.index.folder import MANIFEST
from tests.conftest import ROOT
from tests.index.conftest import open_index

SEED_NAME = "seed-north-korea.txt"
# Dropping these two capabilities makes root obey file permissions like any user.
_AS_A_USER = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-all", "--"]


def _qa(*args: str) -> subprocess.CompletedProcess[str]:
    """`qa` in a process of its own, held to file permissions even when the tests run as root."""
    prefix = _AS_A_USER if os.geteuid() == 0 else []
    return subprocess.run(
        [*prefix, sys.executable, "-m", "qa.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )


def _manifest(directory: Path) -> str:
    return (directory / MANIFEST).read_text(encoding="utf-8")


def _assert_one_sentence(completed: subprocess.CompletedProcess[str], words: str) -> None:
    assert completed.returncode == 1
    assert "Traceback" not in completed.stderr
    [error] = [line for line in completed.stderr.splitlines() if line.startswith("Error: ")]
    assert words in error, error


@pytest.fixture
def changed_articles(articles_dir: Path) -> Path:
    """The seed articles with one more sentence, so that opening the seed index must write a new generation."""
    with open(articles_dir / SEED_NAME, "a", encoding="utf-8") as handle:
        handle.write("\nThe ministry said more talks would follow next week.\n")
    return articles_dir


def test_a_read_only_index_folder_is_one_sentence_and_is_kept(changed_articles: Path, index_dir: Path) -> None:
    before = _manifest(index_dir)
    for path in [index_dir, *index_dir.rglob("*")]:
        path.chmod(path.stat().st_mode & ~0o222)
    try:
        completed = _qa("index", "--articles", str(changed_articles), "--index-dir", str(index_dir))
    finally:
        for path in [index_dir, *index_dir.rglob("*")]:
            path.chmod(path.stat().st_mode | 0o200)

    _assert_one_sentence(completed, f"Cannot write the index in {index_dir}: permission denied")
    assert "--index-dir" in completed.stderr
    assert _manifest(index_dir) == before
    index, report = open_index(changed_articles, index_dir)
    assert report.updated == 1 and index.store.count() > 0


def test_a_generation_folder_that_cannot_be_read_is_rebuilt(articles_dir: Path, index_dir: Path) -> None:
    unreadable = index_dir / json.loads(_manifest(index_dir))["generation"]
    unreadable.chmod(0)
    try:
        completed = _qa("ask", "What did Sung Kim say?", "--articles", str(articles_dir), "--index-dir", str(index_dir))
    finally:
        unreadable.chmod(0o755)

    assert completed.returncode == 0, completed.stderr
    assert "Traceback" not in completed.stderr
    assert "cannot be read: permission denied" in completed.stderr
    assert "Could not delete the old index folder" in completed.stderr
    assert "Sung Kim" in completed.stdout
    assert json.loads(_manifest(index_dir))["generation"] != unreadable.name


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB file system of its own, unmounted afterwards (lazily: the test's index may still be open)."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)], capture_output=True, check=False
    )
    if mounted.returncode != 0:
        pytest.skip(f"a full disk needs a tmpfs, which this user may not mount: {mounted.stderr.decode().strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "--lazy", str(mount_point)], check=True)


def test_a_full_disk_is_one_sentence_and_keeps_the_previous_index(
    changed_articles: Path, index_dir: Path, small_disk: Path
) -> None:
    directory = small_disk / "index"
    shutil.copytree(index_dir, directory)
    before = _manifest(directory)
    free = shutil.disk_usage(small_disk).free
    (small_disk / "filler").write_bytes(b"\0" * (free - 16 * 1024))  # less room than a new generation needs

    with pytest.raises(IndexingError, match=f"The disk holding {directory} is full: free some space"):
        open_index(changed_articles, directory)

    assert _manifest(directory) == before
    assert [p.name for p in directory.iterdir() if p.name.endswith(".tmp")] == []
    (small_disk / "filler").unlink()
    index, report = open_index(changed_articles, directory)
    assert report.updated == 1 and index.store.count() > 0
