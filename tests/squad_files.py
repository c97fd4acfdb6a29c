"""Small SQuAD files cut from the real SQuAD v1.1 dev set in `../shared`, for training and evaluation tests."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import shared_file

SQUAD_DEV = "eval/squad-v1.1-dev.json"


def squad_subset(path: Path, paragraphs: dict[str, int]) -> Path:
    """Write to `path` a SQuAD file with the first `paragraphs[title]` paragraphs of each named article."""
    data = json.loads(shared_file(SQUAD_DEV).read_text(encoding="utf-8"))["data"]
    kept = [
        {"title": article["title"], "paragraphs": article["paragraphs"][: paragraphs[article["title"]]]}
        for article in data
        if article["title"] in paragraphs
    ]
    assert len(kept) == len(paragraphs), "a title is not in SQuAD v1.1 dev"
    path.write_text(json.dumps({"version": "1.1", "data": kept}), encoding="utf-8")
    return path
