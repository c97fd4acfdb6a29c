"""Readers turn retrieved passages into answer spans; all share `run(query, documents) -> {"answers": [...]}`."""

from __future__ import annotations

from typing import Any

from qa.readers.rules import RuleReader


def make_reader(model: str | None = None, top_k: int = 5) -> Any:
    """The built-in `RuleReader`, or a transformers QA model when `model` (a path or hub id) is given."""
    if model is None or model == "builtin":
        return RuleReader(top_k=top_k)
    from qa.readers.transformers import transformers_reader

    return transformers_reader(model, top_k=top_k)


__all__ = ["RuleReader", "make_reader"]
