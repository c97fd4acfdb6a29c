"""What every reader's answers share: Haystack `ExtractedAnswer`s, and when two of them are the same answer."""

from __future__ import annotations

from haystack import ExtractedAnswer

from qa.ingest.spans import overlaps


def overlapping(a: ExtractedAnswer, b: ExtractedAnswer) -> bool:
    """Whether two answers cite overlapping characters of the same passage."""
    if a.document is None or b.document is None or a.document.id != b.document.id:
        return False
    if a.document_offset is None or b.document_offset is None:
        return False
    return overlaps((a.document_offset.start, a.document_offset.end), (b.document_offset.start, b.document_offset.end))
