"""Helpers of the app's tests."""

from __future__ import annotations

from pathlib import Path


def fake_model(folder: Path) -> Path:
    """A directory that looks like a model (a config.json): all the launch checks, for it never loads one."""
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}", encoding="utf-8")
    return folder
