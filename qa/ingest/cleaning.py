"""Cleaning article text while remembering where every character came from.

Real news text hurts answering in small ways: sentences glued together ("North Korea.Japan's"), photo credits
("Credit: AP") in the middle of the story, curly quotes, odd whitespace. Cleaning fixes those, but a citation must
still point at the user's own file, so every cleaned character keeps the index of the original character it came
from (`MappedText.origin`). Inserted characters (the space between glued sentences) point at the character after
them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

# One-for-one character replacements: the text keeps its length, so offsets are untouched.
_TRANSLATION = str.maketrans(
    {
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\t": " ",
    }
)
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_NEWLINES = re.compile(r"\r\n?")
_GROUP_REFERENCE = re.compile(r"\\(\d)")
# A photo credit at the end of a caption line ("... representative Credit: AP"), or a line of its own.
_CREDIT = re.compile(r"[^\S\n]*\b(?:Credit|Photo|Image|Picture)s?(?: credit)?:[^\S\n]*[^\n.!?]{0,60}$", re.MULTILINE)
# Lines that are page furniture, not story.
_BOILERPLATE = re.compile(
    r"^[^\S\n]*(?:Advertisement|ADVERTISEMENT|Share this(?: article)?|Getty Images|Image caption|Media caption"
    r"|Follow us on (?:Twitter|Facebook|Instagram|X|TikTok|social media)|Read more:?|Read more: [^\n]{0,80}"
    r"|Related Topics)[^\S\n]*$",
    re.MULTILINE,
)
# "Korea.Japan's", "regrettable\".It": a sentence end with no space before the next capitalised word.
_GLUED = re.compile(
    r"(?<=[a-z0-9%)][.!?])(?=[\"']?[A-Z][a-z'])|(?<=[.!?][\"'])(?=[A-Z][a-z'])|(?<=[\"'][.!?])(?=[A-Z])"
)
# A wire-copy dateline opening the story ("LOWMERE, Feb 18 - Two people died", "LONDON (Reuters) - The"): a line
# of its own, so that the parser does not read the place and date as part of the first sentence.
_DATELINE = re.compile(
    r"\A\s*((?:[A-Z][A-Z'.-]+ ?){1,4}(?:, [A-Z][A-Za-z.]+(?: [A-Z][A-Za-z.]+)?)?"
    r"(?:, (?:[A-Z][a-z]{2,8}\.? \d{1,2}|\d{1,2} [A-Z][a-z]{2,8})(?:, \d{4})?(?: \([A-Za-z .]+\))?| \([A-Za-z .]+\)))"
    r" ?[-\u2013\u2014]{1,2} "
)
# Runs of whitespace other than a line break, except a lone space, which would only be replaced by itself: an
# article has thousands, and each match costs time without changing the text.
_SPACES = re.compile(r"[^\S\n]{2,}|[^\S \n]")
_LINE_EDGES = re.compile(r"^ +| +$", re.MULTILINE)
_BLANK_LINES = re.compile(r"\n{2,}")
_LONE_NEWLINE = re.compile(r"(?<!\n)\n(?!\n)")


@dataclass(frozen=True)
class MappedText:
    """Text plus, for each of its characters, the index of the original character it stands for.

    Example::

        >>> mapped = MappedText.of("a  b", offset=10).sub(re.compile(" +"), " ")
        >>> mapped.text, mapped.span(2, 3)
        ('a b', (13, 14))
    """

    text: str
    origin: npt.NDArray[np.int64]

    @classmethod
    def of(cls, text: str, offset: int = 0) -> MappedText:
        """Wrap untouched text whose first character sits at `offset` in the original."""
        return cls(text, np.arange(offset, offset + len(text), dtype=np.int64))

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Translate the cleaned span `[start, end)` into a span of the original text."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"Span [{start}, {end}) is not inside a text of {len(self.text)} characters.")
        return int(self.origin[start]), int(self.origin[end - 1]) + 1

    def translate(self, table: dict[int, str]) -> MappedText:
        """Apply a one-for-one character translation; offsets are unchanged."""
        return MappedText(self.text.translate(table), self.origin)

    def sub(self, pattern: re.Pattern[str], repl: str | Callable[[re.Match[str]], str]) -> MappedText:
        """`pattern.sub(repl, text)` that carries the origin of each character along.

        Characters keep their own origins wherever the replacement still holds them: a replacement as long as its
        match (one for one), a single group reference such as `r"\\1"` (the group's characters), or the match with
        characters added before or after it. Added characters take the origin of the character they stand before;
        any other replacement takes the origin of the match's first character.
        """
        pieces: list[str] = []
        origins: list[npt.NDArray[np.int64]] = []
        last = 0
        for match in pattern.finditer(self.text):
            start, end = match.span()
            pieces.append(self.text[last:start])
            origins.append(self.origin[last:start])
            replacement = repl(match) if callable(repl) else match.expand(repl) if "\\" in repl else repl
            pieces.append(replacement)
            origins.append(self._replacement_origins(match, repl, replacement))
            last = end
        if not pieces:
            return self
        pieces.append(self.text[last:])
        origins.append(self.origin[last:])
        return MappedText("".join(pieces), np.concatenate(origins))

    def _replacement_origins(
        self, match: re.Match[str], repl: str | Callable[[re.Match[str]], str], replacement: str
    ) -> npt.NDArray[np.int64]:
        start, end = match.span()
        matched = match.group()
        group = _GROUP_REFERENCE.fullmatch(repl) if isinstance(repl, str) else None
        if group is not None:
            number = int(group.group(1))
            return self.origin[match.start(number) : match.end(number)]
        if len(replacement) == len(matched):
            return self.origin[start:end]
        if matched and replacement.startswith(matched):
            added = np.full(len(replacement) - len(matched), self._origin_at(end), dtype=np.int64)
            return np.concatenate([self.origin[start:end], added])
        if matched and replacement.endswith(matched):
            added = np.full(len(replacement) - len(matched), self._origin_at(start), dtype=np.int64)
            return np.concatenate([added, self.origin[start:end]])
        return np.full(len(replacement), self._origin_at(start), dtype=np.int64)

    def _origin_at(self, position: int) -> int:
        """The origin of the character at `position`, or just past the last one."""
        if position < len(self.origin):
            return int(self.origin[position])
        return int(self.origin[-1]) + 1 if len(self.origin) else 0

    def strip(self) -> MappedText:
        """Drop leading and trailing whitespace."""
        stripped = self.text.lstrip()
        start = len(self.text) - len(stripped)
        stripped = stripped.rstrip()
        return MappedText(stripped, self.origin[start : start + len(stripped)])


def _glue_space(match: re.Match[str]) -> str:
    """The space between glued sentences goes outside a quotation: 'ended. "We', but 'said "no." Then'.

    Two of `_GLUED`'s alternatives meet at a quote mark after a full stop, one before and one after it; the parity
    of the double quotes before it on the line tells whether it opens or closes a quotation.
    """
    text, position = match.string, match.start()
    quote = position if text[position : position + 1] in "\"'" else position - 1
    if text[quote : quote + 1] not in "\"'" or quote < 0:
        return " "
    opening = text[quote] == '"' and text.count('"', text.rfind("\n", 0, quote) + 1, quote) % 2 == 0
    return " " if opening == (quote == position) else ""


def clean(text: str, offset: int = 0, hard_wrapped: bool | None = None) -> MappedText:
    """Clean an article body; `offset` is where `text` starts in the original file.

    Paragraphs come out separated by one blank line. Where a file separates paragraphs by blank lines, a lone line
    break is a hard wrap inside a paragraph and becomes a space; where it has no blank lines, each line is a paragraph.
    `hard_wrapped=True` says that lone line breaks are wraps whatever the file looks like (text from a PDF, whose
    one-page articles often have no blank line at all).

    Example::

        >>> clean("North Korea.Japan\u2019s PM said \u201cno\u201d.  Credit: AP").text
        'North Korea. Japan\\'s PM said "no".'
    """
    mapped = MappedText.of(text, offset).sub(_NEWLINES, "\n").sub(_INVISIBLE, "").translate(_TRANSLATION)
    mapped = mapped.sub(_CREDIT, "").sub(_BOILERPLATE, "").sub(_GLUED, _glue_space).sub(_SPACES, " ")
    mapped = mapped.sub(_LINE_EDGES, "")
    if hard_wrapped is None:
        hard_wrapped = _BLANK_LINES.search(mapped.text) is not None
    wrap = " " if hard_wrapped else "\n\n"
    mapped = mapped.sub(_LONE_NEWLINE, wrap).sub(_DATELINE, r"\1.\n\n")
    return mapped.sub(_BLANK_LINES, "\n\n").strip()
