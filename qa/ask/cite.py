"""From the reader's spans to citations: offsets in the user's own files, one answer per span of an article.

A reader answers in offsets of a passage's cleaned text; a citation must point into the original article, quote
its characters exactly, and appear once even when two overlapping passages both hold it.
"""

from __future__ import annotations

from pathlib import Path

from haystack import Document, ExtractedAnswer

from qa.ask.result import Answer, Passage
from qa.index.passages import original_span
from qa.ingest.spans import overlaps, strip_span

# Answers scoring below this share of the best one are noise next to it ("North Korean" beside "Kim Jong Un").
RELATIVE_SCORE_FLOOR = 0.75


def cited_answers(extracted: list[ExtractedAnswer], top_k: int, folder: Path) -> list[Answer]:
    """Cited answers, best first; none when the reader's best guess is that there is no answer.

    :param folder: the articles folder, which passages' sources are relative to.
    """
    answers: list[Answer] = []
    for answer in sorted(extracted, key=lambda answer: -answer.score):
        if answer.data is None or answer.document is None or answer.document_offset is None:
            if not answers:
                return []  # "no answer" outranks every span
            continue
        if answers and answer.score < RELATIVE_SCORE_FLOOR * answers[0].score:
            break
        offset = answer.document_offset
        cited = cite(answer.document, offset.start, offset.end, answer.score, folder)
        if cited is not None and not any(_same_span(cited, kept) for kept in answers):
            answers.append(cited)
        if len(answers) == top_k:
            break
    return answers


def cite(document: Document, start: int, end: int, score: float, folder: Path) -> Answer | None:
    """The answer `document.content[start:end]`, trimmed, as characters of the original article."""
    start, end = strip_span(document.content or "", start, end)
    if start >= end:
        return None
    meta = document.meta
    first, last = original_span(meta, start, end)
    base = meta["start"]
    return Answer(
        text=meta["original"][first - base : last - base],
        score=round(float(score), 4),
        title=meta["title"],
        source=str(folder / meta["source"]),
        start=first,
        end=last,
        context=meta["original"],
        context_start=base,
        passage=meta["passage"],
        date=meta.get("date"),
        url=meta.get("url"),
        article_id=meta["article_id"],
    )


def passage(document: Document, folder: Path) -> Passage:
    """A retrieved passage as evidence, in its article's original characters."""
    meta = document.meta
    return Passage(
        title=meta["title"],
        source=str(folder / meta["source"]),
        start=meta["start"],
        end=meta["end"],
        text=meta["original"],
        passage=meta["passage"],
        score=round(float(document.score or 0.0), 4),
        date=meta.get("date"),
        article_id=meta["article_id"],
    )


def _same_span(a: Answer, b: Answer) -> bool:
    return a.source == b.source and overlaps((a.start, a.end), (b.start, b.end))
