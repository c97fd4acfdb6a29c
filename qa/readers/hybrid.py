"""The default reader: the rules where they are strong, the learned model for the rest.

The two readers fail differently. The rules (`RuleReader`) were written for news: they find the words a person
said and the title that describes a person, which a SQuAD-trained span model handles poorly, and they decline
reliably when no passage contains the question's names and numbers. The learned model (`LearnedReader`) reads the
open-ended "what / when / how many" questions far better (F1 on held-out SQuAD articles, see the README). So:

1. the rules read the question first; when they decline, the question is declined (letting the model read those
   too, `learned_when_declined`, answers more but declines fewer unanswerable questions: it answered "Who is the
   mayor of Marlow Bay?" with the only person an article names);
2. when the rules answer with a kind in `rule_kinds` (by default quotes and descriptions), theirs is the answer;
3. otherwise the learned model reads the passages. Its best span is the answer, unless the model is unsure (its
   calibrated probability is under one half: the rules' answer stands) or the two agree and the rules' span is
   the whole phrase around the model's ("a national security council meeting" for "national security council").

`rule_kinds` and `learned_when_declined` are parameters so that the combinations can be measured
(`benchmarks/readers.py`).
"""

from __future__ import annotations

from pathlib import Path

from haystack import Document, ExtractedAnswer, component

from qa.config import SHIPPED_READER
from qa.readers.answers import overlapping
from qa.readers.learned.reader import LearnedReader
from qa.readers.rules.reader import RuleReader

RULE_KINDS = frozenset({"quote", "description"})


@component
class HybridReader:
    """Routes each question to the rule-based or the learned reader (see the module docstring).

    Usage example::

        reader = HybridReader()
        reader.warm_up()
        answers = reader.run(query="What did Sung Kim say?", documents=passages)["answers"]
    """

    def __init__(
        self,
        model: str | Path = SHIPPED_READER,
        top_k: int = 5,
        rule_kinds: frozenset[str] = RULE_KINDS,
        learned_when_declined: bool = False,
    ) -> None:
        """
        :param model: the learned reader's directory.
        :param rule_kinds: the kinds of rule answers that are kept rather than asking the model ("quote",
            "description", "entity", "phrase", "instance", "sentence").
        :param learned_when_declined: let the model answer when the rules declined although a passage holds the
            question's words (more answers, fewer declines of unanswerable questions).
        """
        self.rules = RuleReader(top_k=top_k)
        self.learned = LearnedReader(model, top_k=top_k)
        self.rule_kinds = rule_kinds
        self.learned_when_declined = learned_when_declined

    def warm_up(self) -> None:
        """Load spaCy and the learned model (once per process)."""
        self.rules.warm_up()
        self.learned.warm_up()

    @component.output_types(answers=list[ExtractedAnswer])
    def run(self, query: str, documents: list[Document], top_k: int | None = None) -> dict[str, list[ExtractedAnswer]]:
        """Answer `query` from `documents`, best first; `[no-answer]` when declined."""
        ruled = self.rules.run(query=query, documents=documents, top_k=top_k)["answers"]
        first = ruled[0]
        if first.data is None and not (self.learned_when_declined and (first.meta or {}).get("supported")):
            return {"answers": ruled}
        if first.data is not None and (first.meta or {}).get("kind") in self.rule_kinds:
            return {"answers": ruled}
        learned = self.learned.run(query=query, documents=documents, top_k=top_k)["answers"]
        if first.data is not None and learned[0].data is None:
            return {"answers": ruled}  # the model is unsure where the rules found an answer
        if first.data is not None and overlapping(first, learned[0]) and _words(first) <= _words(learned[0]) + 2:
            return {"answers": ruled}  # they agree, and the rules' span is the whole phrase around the model's
        return {"answers": learned}


def _words(answer: ExtractedAnswer) -> int:
    return len((answer.data or "").split())
