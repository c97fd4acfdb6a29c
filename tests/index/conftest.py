"""An index of the seed articles, built once per module, and private copies of it for tests that change it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from qa.index.index import Index
from qa.index.report import IndexReport
from tests.conftest import SEEDS


def open_index(folder: Path, directory: Path, **kwargs: Any) -> tuple[Index, IndexReport]:
    return Index.open(folder, directory, progress_bar=False, **kwargs)


@pytest.fixture(scope="module")
def seed_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the seed articles, built once; tests copy it."""
    directory = tmp_path_factory.mktemp("seed-index") / "index"
    open_index(SEEDS, directory)
    return directory


@pytest.fixture
def index_dir(seed_index: Path, tmp_path: Path) -> Path:
    """A private copy of the seed index, up to date for the `articles_dir` fixture."""
    directory = tmp_path / "index"
    shutil.copytree(seed_index, directory)
    return directory
