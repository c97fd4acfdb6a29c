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
# A photo credit at the end of a caption line ("... representative Credit: AP"), or a line of its own.
_CREDIT = re.compile(r"[^\S\n]*\b(?:Credit|Photo|Image|Picture)s?(?: credit)?:[^\S\n]*[^\n.!?]{0,60}$", re.MULTILINE)
# Lines that are page furniture, not story.
_BOILERPLATE = re.compile(
    r"^[^\S\n]*(?:Advertisement|ADVERTISEMENT|Share this(?: article)?|Getty Images|Image caption|Media caption"
    r"|Follow us on [^\n]{0,40}|Read more:?[^\n]{0,80}|Related Topics)[^\S\n]*$",
    re.MULTILINE,
)
# "Korea.Japan's", "regrettable\".It": a sentence end with no space before the next capitalised word.
_GLUED = re.compile(
    r"(?<=[a-z0-9%)][.!?])(?=[\"']?[A-Z][a-z'])|(?<=[.!?][\"'])(?=[A-Z][a-z'])|(?<=[\"'][.!?])(?=[A-Z])"
)
_SPACES = re.compile(r"[^\S\n]+")
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

        A replacement as long as its match keeps the match's origins one for one; any other replacement takes the
        origin of the match's first character (or, for an insertion, of the character that follows it).
        """
        pieces: list[str] = []
        origins: list[npt.NDArray[np.int64]] = []
        last = 0
        for match in pattern.finditer(self.text):
            start, end = match.span()
            pieces.append(self.text[last:start])
            origins.append(self.origin[last:start])
            replacement = repl(match) if callable(repl) else match.expand(repl)
            pieces.append(replacement)
            if len(replacement) == end - start:
                origins.append(self.origin[start:end])
            elif replacement:
                anchor = self.origin[start] if start < len(self.text) else self._end_origin()
                origins.append(np.full(len(replacement), anchor, dtype=np.int64))
            last = end
        if not pieces:
            return self
        pieces.append(self.text[last:])
        origins.append(self.origin[last:])
        return MappedText("".join(pieces), np.concatenate(origins))

    def strip(self) -> MappedText:
        """Drop leading and trailing whitespace."""
        stripped = self.text.lstrip()
        start = len(self.text) - len(stripped)
        stripped = stripped.rstrip()
        return MappedText(stripped, self.origin[start : start + len(stripped)])

    def _end_origin(self) -> int:
        return int(self.origin[-1]) + 1 if len(self.origin) else 0


def clean(text: str, offset: int = 0) -> MappedText:
    """Clean an article body; `offset` is where `text` starts in the original file.

    Paragraphs come out separated by one blank line. Where a file separates paragraphs by blank lines, a lone line
    break is a hard wrap inside a paragraph and becomes a space; where it has no blank lines, each line is a paragraph.

    Example::

        >>> clean("North Korea.Japan\u2019s PM said \u201cno\u201d.  Credit: AP").text
        'North Korea. Japan\\'s PM said "no".'
    """
    mapped = MappedText.of(text, offset).sub(_NEWLINES, "\n").sub(_INVISIBLE, "").translate(_TRANSLATION)
    mapped = mapped.sub(_CREDIT, "").sub(_BOILERPLATE, "").sub(_GLUED, " ").sub(_SPACES, " ").sub(_LINE_EDGES, "")
    wrap = " " if _BLANK_LINES.search(mapped.text) else "\n\n"
    mapped = mapped.sub(_LONE_NEWLINE, wrap)
    return mapped.sub(_BLANK_LINES, "\n\n").strip()
