"""The rules and the learned model combined: the model decides, the rules may widen an answer to its whole quote.

The learned model (`LearnedReader`) reads every question and makes the decision: its calibrated probability says
whether the passages answer, and where. The rules (`RuleReader`) know news shapes the model has no notion of,
quotation marks and the speaker they attribute, and the title before a name; so where the rules' answer is of a
kind in `rule_kinds` (a quote by the person asked about, a description of the person) and cites the same
characters as the model's answer, the rules' span, the whole quotation, stands in for the model's, with the
model's probability as its score. The rules can no longer decline what the model answers, nor answer what it
declines: their word-overlap checks declined a quarter of answerable SQuAD questions.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from haystack import Document, ExtractedAnswer, component

from qa.config import SHIPPED_READER
from qa.readers.answers import overlapping
from qa.readers.learned.reader import LearnedReader
from qa.readers.rules.reader import RuleReader

RULE_KINDS = frozenset({"quote", "description"})


@component
class HybridReader:
    """The learned reader's answers, with a rule answer of a kind in `rule_kinds` in place of the model's answer it
    overlaps (see the module docstring).

    Usage example::

        reader = HybridReader()
        reader.warm_up()
        answers = reader.run(query="What did Sung Kim say?", documents=passages)["answers"]
    """

    def __init__(
        self, model: str | Path = SHIPPED_READER, top_k: int = 5, rule_kinds: frozenset[str] = RULE_KINDS
    ) -> None:
        """
        :param model: the learned reader's directory.
        :param rule_kinds: the kinds of rule answers that may stand in for an overlapping model answer ("quote",
            "description", "entity", "phrase", "instance", "sentence").
        """
        self.rules = RuleReader(top_k=top_k)
        self.learned = LearnedReader(model, top_k=top_k)
        self.rule_kinds = rule_kinds

    def warm_up(self) -> None:
        """Load spaCy and the learned model (once per process)."""
        self.rules.warm_up()
        self.learned.warm_up()

    @component.output_types(answers=list[ExtractedAnswer])
    def run(self, query: str, documents: list[Document], top_k: int | None = None) -> dict[str, list[ExtractedAnswer]]:
        """Answer `query` from `documents`, best first; `[no-answer]` when the model declines."""
        learned = self.learned.run(query=query, documents=documents, top_k=top_k)["answers"]
        best = learned[0]
        if best.data is None:
            return {"answers": learned}
        ruled = self.rules.run(query=query, documents=documents, top_k=top_k)["answers"]
        wider = next(
            (
                answer
                for answer in ruled
                if answer.data is not None
                and (answer.meta or {}).get("kind") in self.rule_kinds
                and overlapping(answer, best)
            ),
            None,
        )
        if wider is None:
            return {"answers": learned}
        others = [answer for answer in learned[1:] if not overlapping(answer, wider)]
        return {"answers": [replace(wider, score=best.score), *others]}
