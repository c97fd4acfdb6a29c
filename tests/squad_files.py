"""Small SQuAD files cut from the real SQuAD v1.1 dev set in `../shared`, for training and evaluation tests."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import shared_file

SQUAD_DEV = "eval/squad-v1.1-dev.json"
SQUAD2_DEV = "eval/squad-v2.0-dev-26-articles.json"
BBC = "corpora/bbc-news"


def squad_subset(path: Path, paragraphs: dict[str, int], source: str = SQUAD_DEV) -> Path:
    """Write to `path` a SQuAD file with the first `paragraphs[title]` paragraphs of each named article of
    `source` (SQuAD v1.1 dev, or the SQuAD 2.0 file)."""
    data = json.loads(shared_file(source).read_text(encoding="utf-8"))["data"]
    kept = [
        {"title": article["title"], "paragraphs": article["paragraphs"][: paragraphs[article["title"]]]}
        for article in data
        if article["title"] in paragraphs
    ]
    assert len(kept) == len(paragraphs), f"a title is not in {source}"
    path.write_text(json.dumps({"version": "1.1", "data": kept}), encoding="utf-8")
    return path
