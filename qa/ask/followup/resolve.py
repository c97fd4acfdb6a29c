"""A follow-up question made whole: its ellipsis filled, its pronouns resolved, or a question back.

"No antecedent, no guess": "What did she say?" with nobody earlier to be "she" gets "Who do you mean by 'she'?"
rather than an answer about whoever a search happens to find.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qa.ask.followup.ellipsis import fill_ellipsis, is_elliptical
from qa.ask.followup.pronouns import PERSONAL, resolve_pronouns

if TYPE_CHECKING:
    from spacy.language import Language

    from qa.ask.followup.turns import Turn

_PERSONAL_WORD = re.compile(rf"\b(?:{'|'.join(sorted(PERSONAL))})\b", re.IGNORECASE)


@dataclass(frozen=True)
class Resolution:
    """What a question means in its conversation.

    :param asked: the question as retrieval and the reader should see it: its likeliest reading.
    :param alternatives: other readings, with another referent for its first pronoun, less likely in the order given.
    :param clarification: a question back to the user, when a pronoun refers to nothing earlier; then `asked` is
        not answered.
    """

    asked: str
    alternatives: tuple[str, ...] = ()
    clarification: str | None = None

    @property
    def readings(self) -> tuple[str, ...]:
        """Every reading, likeliest first."""
        return (self.asked, *self.alternatives)


def needs_resolving(question: str, history: Sequence[object]) -> bool:
    """Whether `question` may refer to anything outside itself: cheap, so that a first question that cannot (most
    of them) never waits for spaCy."""
    return bool(history) or bool(_PERSONAL_WORD.search(question))


def resolve(question: str, history: Sequence[Turn], nlp: Language) -> Resolution:
    """`question` as it is meant after `history` (earlier turns, oldest first).

    Example::

        >>> resolve("What did he tell reporters?", [Turn("Who is Sung Kim?")], nlp).asked
        'What did Sung Kim tell reporters?'
        >>> resolve("What did she say?", [], nlp).clarification
        "Who do you mean by 'she'?"
    """
    if history and is_elliptical(question):
        whole = fill_ellipsis(question, history[-1], nlp)
        if whole is not None:
            return Resolution(whole)
    rewrite = resolve_pronouns(nlp(question), history, nlp)
    if rewrite.unresolved:
        return Resolution(question, clarification=f"Who do you mean by '{rewrite.unresolved[0]}'?")
    return Resolution(rewrite.questions[0], rewrite.questions[1:])
