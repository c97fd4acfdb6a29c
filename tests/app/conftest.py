"""Helpers and fixtures of the app's tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.browser import chromium


def fake_model(folder: Path) -> Path:
    """A directory that looks like a model (a config.json): all the launch checks, for it never loads one."""
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium, one per browser test module."""
    with chromium() as browser:
        yield browser
