from __future__ import annotations

import pytest

from qa.ask.followup import Turn, resolve
from qa.nlp import load_spacy


@pytest.mark.parametrize(
    ("question", "history", "expected"),
    [
        ("What did he tell reporters?", ["Who is Sung Kim?"], "What did Sung Kim tell reporters?"),
        (
            "What did she say?",
            [Turn("Who called the launches regrettable?", "Fumio Kishida")],
            "What did Fumio Kishida say?",
        ),
        ("What is his title?", ["Who is Sung Kim?"], "What is Sung Kim's title?"),
        ("When did it launch the missile?", ["What did North Korea fire?"], "When did North Korea launch the missile?"),
        ("What did he say?", ["Who is Sung Kim?", "Where is Seoul?"], "What did Sung Kim say?"),
        ("What did he say?", [], "What did he say?"),
        ("What did Sung Kim say?", ["Who is Kim Jong Un?"], "What did Sung Kim say?"),
        ("What did he say?", ["What is the weather like?"], "What did he say?"),
        (
            "What did he say about his envoy?",
            ["Who is Joe Biden?"],
            "What did Joe Biden say about Joe Biden's envoy?",
        ),
        (
            "Did he say it was a threat?",
            [Turn("What did Sung Kim say about North Korea?")],
            "Did Sung Kim say North Korea was a threat?",
        ),
    ],
)
def test_resolve(question: str, history: list[Turn | str], expected: str) -> None:
    assert resolve(question, history, load_spacy()) == expected
