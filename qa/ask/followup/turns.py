"""One exchange of a conversation, as much of it as a later question can refer back to."""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.ask.result import Result

# Where a sentence ends inside a passage: its mark and the space after it.
_SENTENCE_END = re.compile("[.!?][\"'\u201d\u2019)]*\\s+")


@dataclass(frozen=True)
class Turn:
    """One exchange of a conversation.

    Only `question` is needed; the rest is what `Bot.ask` knew when it answered, and makes follow-ups resolve
    better: "he" after "Who founded Jet Airways?" is the founder the answer named.

    :param answer: the top answer's text ("" when the bot declined or the answer is not known).
    :param asked: the question as the bot understood it (its own pronouns resolved); by default `question`.
    :param sentence: the sentence of the article the answer came from, which names what the answer is about.
    :param articles: the ids of the articles that answered, whose passages a follow-up prefers.
    :param context: the passage the answer was read from: how its article speaks of the people in it ("she").
    """

    question: str
    answer: str = ""
    asked: str = ""
    sentence: str = ""
    articles: tuple[str, ...] = ()
    context: str = ""

    @property
    def understood(self) -> str:
        """The question with its own references resolved: what a follow-up's frame is taken from."""
        return self.asked or self.question

    @classmethod
    def of(cls, result: Result) -> Turn:
        """The turn `result` answered, for the history of the next question."""
        if not result.answers:
            return cls(result.question, asked=result.asked)
        top = result.answers[0]
        start, end = top.start - top.context_start, top.end - top.context_start
        return cls(
            result.question,
            answer=top.text,
            asked=result.asked,
            sentence=sentence_around(top.context, start, end),
            articles=tuple(dict.fromkeys(answer.article_id for answer in result.answers if answer.article_id)),
            context=top.context,
        )


def sentence_around(text: str, start: int, end: int) -> str:
    """The sentence(s) of `text` that hold the span `text[start:end]` (a plain split on end marks: this only bounds
    the text a follow-up's referent is looked for in, so a split in the wrong place costs little)."""
    before = [match.end() for match in _SENTENCE_END.finditer(text, 0, max(start, 0))]
    after = _SENTENCE_END.search(text, max(end, start))
    return text[before[-1] if before else 0 : after.end() if after else len(text)].strip()
