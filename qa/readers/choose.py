"""Choosing a reader by name.

Readers turn retrieved passages into answer spans; all share `run(query, documents) -> {"answers": [...]}`.

By name: `learned` (the project's trained span model, which answers and declines: the default, the best of the
three on bbc-dev; see the README's comparison), `hybrid` (the learned model's answers, a quote widened to the rules'
whole quotation where they overlap; measured equal to `learned` on bbc-dev, and slower), `rules` (the rule-based
reader).
Anything else is a model directory or a hub id: one saved by `qa train-reader`, or a transformers QA model.
The reader modules are imported when a reader is made, so that importing one part of the package stays light.
"""

from __future__ import annotations

from typing import Any

from qa.config import DEFAULT_READER

# The readers that have a name; anything else is a model directory or a hub id.
READER_NAMES = ("learned", "hybrid", "rules")


def make_reader(reader: str | None = None, top_k: int = 5) -> Any:
    """The reader called `reader` (one of `READER_NAMES`, default `DEFAULT_READER`), or one over the model at that path.

    :raises qa.errors.LearnedModelError: if the learned model's directory is incomplete.
    :raises qa.errors.ReaderModelError: if `reader` is neither a name nor a loadable model.
    """
    from qa.readers.hybrid import HybridReader
    from qa.readers.learned.reader import LearnedReader, is_learned_model
    from qa.readers.rules.reader import RuleReader

    reader = reader or DEFAULT_READER
    if reader == "rules":
        return RuleReader(top_k=top_k)
    if reader == "learned":
        return LearnedReader(top_k=top_k)
    if reader == "hybrid":
        return HybridReader(top_k=top_k)
    if is_learned_model(reader):
        return LearnedReader(reader, top_k=top_k)
    from qa.readers.transformers import transformers_reader

    return transformers_reader(reader, top_k=top_k)
