"""Character spans: the one rule for trimming them and the one for when two overlap.

Every stage that cuts or cites text (sentence splitting, quote finding, readers, citations) uses these, so that a
citation never starts or ends in a space, and two answers are the same answer by one definition.
"""

from __future__ import annotations


def strip_span(text: str, start: int, end: int, trailing: str = "") -> tuple[int, int]:
    """`[start, end)` without the whitespace at either end, nor any of the characters `trailing` at its end.

    Every span the project cites or splits on is trimmed by this one rule, so that a citation never starts or ends
    in a space whichever stage made it.

    Example::

        >>> strip_span(" no, ", 0, 5, trailing=",")
        (1, 3)
    """
    while end > start and (text[end - 1].isspace() or text[end - 1] in trailing):
        end -= 1
    while start < end and text[start].isspace():
        start += 1
    return start, end


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Whether the half-open spans `a` and `b` share a character.

    Example::

        >>> overlaps((0, 5), (4, 9)), overlaps((0, 5), (5, 9))
        (True, False)
    """
    return a[0] < b[1] and b[0] < a[1]
