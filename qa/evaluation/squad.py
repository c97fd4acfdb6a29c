"""SQuAD examples with their answer positions, and the split that keeps nine articles out of anything trained.

`qa.evaluation.files` reads a SQuAD file as questions to evaluate; training also needs where each answer sits in its
paragraph, and must provably never see the held-out articles that the learned reader is scored on. Those nine are
fixed by the project's data notes (every fifth title of SQuAD v1.1 dev in sorted order), not chosen here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

HELD_OUT_TITLES = frozenset(
    {
        "Black_Death",
        "Ctenophora",
        "French_and_Indian_War",
        "Huguenot",
        "Jacksonville,_Florida",
        "Normans",
        "Private_school",
        "Steam_engine",
        "Victoria_(Australia)",
    }
)


@dataclass(frozen=True)
class SquadExample:
    """One question over one paragraph.

    :param answers: every accepted answer text (up to three in SQuAD dev); training uses the first. None for an
        unanswerable question (SQuAD 2.0's `is_impossible`, or a generated one).
    :param answer_start: where the first answer begins in `context` (-1 when there is none).
    :param kind: where the question comes from ("squad", "unanswerable", or a generated kind, `qa.training.news`).
    """

    id: str
    title: str
    question: str
    context: str
    answers: tuple[str, ...]
    answer_start: int
    kind: str = "squad"

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


def load_examples(path: str | Path, unanswerable: bool = False) -> list[SquadExample]:
    """The answerable questions of a SQuAD v1.1/v2.0 file, in file order, and with `unanswerable` the questions
    SQuAD 2.0 marks `is_impossible` too (kind "unanswerable", no answers).

    :raises ValueError: if an answer does not sit where the file says it starts.
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    examples: list[SquadExample] = []
    for article in data:
        for paragraph in article["paragraphs"]:
            context = paragraph["context"]
            for qa in paragraph["qas"]:
                if qa.get("is_impossible") or not qa["answers"]:
                    if unanswerable:
                        examples.append(
                            SquadExample(qa["id"], article["title"], qa["question"], context, (), -1, "unanswerable")
                        )
                    continue
                first = qa["answers"][0]
                text, start = first["text"], first["answer_start"]
                if context[start : start + len(text)] != text:
                    raise ValueError(f"{path}: question {qa['id']}: the answer is not at character {start}.")
                answers = tuple(dict.fromkeys(answer["text"] for answer in qa["answers"]))
                examples.append(SquadExample(qa["id"], article["title"], qa["question"], context, answers, start))
    return examples


def held_out(examples: Iterable[SquadExample]) -> list[SquadExample]:
    """The examples of the nine held-out articles: the test of anything trained here."""
    return [example for example in examples if example.title in HELD_OUT_TITLES]


def trainable(examples: Iterable[SquadExample]) -> list[SquadExample]:
    """The examples that training may use: every article but the held-out ones."""
    return [example for example in examples if example.title not in HELD_OUT_TITLES]
