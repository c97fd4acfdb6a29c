"""Elliptical follow-ups, which take the previous question's frame: "And the US?", "What about 2003?", "When?",
"Who else?".

"And X?" asks the previous question again with X in place of the earlier mention of X's kind ("How many missiles did
Japan fire?", "And the US?" → "How many missiles did the US fire?"). A bare question word asks the previous question
with that word in front ("What did Kishida call the launches?", "Why?" → "Why did Kishida call the launches?"); where
the previous question's word was its subject ("Who founded Jet Airways?"), the previous answer takes its place
("When did Naresh Goyal found Jet Airways?").
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from qa.ask.followup.mentions import MAX_ANSWER_TOKENS, mentions

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token

    from qa.ask.followup.turns import Turn

# "And the US?", "What about Japan?", "How about in 2003?", "And for Sony?"
_OTHER = re.compile(r"^\s*(?:and|but|or|so)?\s*(?:what|how)?\s*(?:about)?\s+(?P<rest>.+?)\s*\?*\s*$", re.IGNORECASE)
_OPENING = re.compile(r"^\s*(?:and|but|or|so)\b|^\s*(?:what|how)\s+about\b", re.IGNORECASE)
# A question that is only question words: "When?", "How much?", "And why?", "Who else?"
_BARE = re.compile(
    r"^\s*(?:and|but|so)?\s*(?P<word>(?:who|what|when|where|why|which|how)(?:\s+(?:much|many|long|old|often|far))?)"
    r"(?P<else>\s+else)?\s*\?*\s*$",
    re.IGNORECASE,
)
_DO = {"VBD": "did", "VBZ": "does", "VBP": "do"}


def is_elliptical(question: str) -> bool:
    """Whether `question` only makes sense in the previous question's frame."""
    return bool(_BARE.match(question) or (_OPENING.match(question) and len(question.split()) <= 6))


def fill_ellipsis(question: str, previous: Turn, nlp: Language) -> str | None:
    """The whole question `question` abbreviates, given the previous turn; None if it cannot be made whole."""
    frame = nlp(previous.understood)
    bare = _BARE.match(question)
    if bare:
        return _with_question_word(frame, bare["word"], bool(bare["else"]), previous.answer)
    other = _OTHER.match(question)
    if other is None:
        return None
    return _with_other(frame, other["rest"], nlp)


def _with_question_word(frame: Doc, word: str, other: bool, answer: str) -> str | None:
    word = word[0].upper() + word[1:].lower() + (" else" if other else "")
    first = _first_verb(frame)
    if first is None:
        return None
    rest = frame.text[first.idx :].rstrip(" ?")
    if first.i == 0:  # a yes/no question: "Did Sony cut prices?" → "Why did Sony cut prices?"
        return f"{word} {rest[0].lower()}{rest[1:]}?"
    subject_asked = first.pos_ == "VERB" and first.tag_ in _DO  # "Who founded X?": the question word is the subject
    if subject_asked and not other and answer and len(answer.split()) <= MAX_ANSWER_TOKENS:
        after = frame.text[first.idx + len(first.text) :].rstrip(" ?")
        return f"{word} {_DO[first.tag_]} {answer} {first.lemma_}{after}?"
    return f"{word} {rest}?"  # "What did X call it?" → "Why did X call it?"; "Who founded X?" → "Who else founded X?"


def _with_other(frame: Doc, other: str, nlp: Language) -> str | None:
    replacement = nlp(other)
    new = mentions(replacement)
    if not new:
        return None
    kinds = new[0].kinds
    old = [mention for mention in mentions(frame) if mention.kinds & kinds and mention.named == new[0].named]
    old = old or [mention for mention in mentions(frame) if mention.kinds & kinds]
    if not old:
        return f"{frame.text.rstrip(' ?')} {other}?" if replacement[0].pos_ == "ADP" else None
    target = min(old, key=lambda mention: mention.start)
    text = new[0].text if replacement[0].pos_ == "ADP" else other
    return frame.text[: target.start] + text + frame.text[target.start + len(target.text) :]


def _first_verb(frame: Doc) -> Token | None:
    return next((token for token in frame if token.pos_ in ("AUX", "VERB")), None)
