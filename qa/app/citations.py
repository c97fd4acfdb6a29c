"""The chat's reply as HTML: the answer with numbered citations, then the sources a reader can check.

Every piece of article text goes through `literal` here, before any markup of ours is added: an article that
contains `<script>` shows those characters and never runs them, and one that contains `**`, `$$` or `![x](url)`
shows those too, rather than have the page's Markdown or math rendering restyle (or fetch) anything. The span an
answer came from is marked with `<mark>` inside its passage, and a source expands to the whole paragraph around it
where that paragraph is longer than the excerpt shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qa.ask.result import Answer, Passage, Result

# The closest passages shown under a declined question.
DECLINED_PASSAGES = 3
# Characters of the passage shown either side of an answer; the whole paragraph is one click away.
EXCERPT_CONTEXT = 160
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n")
_WHITESPACE = re.compile(r"\s+")
# HTML's special characters as `html.escape` writes them; then, as numeric character references, those Markdown
# (GitHub's flavour), its autolinks and math delimiters give a meaning to inline. A reference is never markup.
_LITERAL = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}
    | {char: f"&#{ord(char)};" for char in "\\`*_~[]!|$#:@"}
)

# How sure the reader is, from its score: the first band whose floor the score reaches.
CONFIDENCE = ((0.75, "very likely"), (0.5, "likely"), (0.0, "unsure"))
# An answer beyond the best is offered only above this score, and above this share of the best one's.
ALTERNATIVE_FLOOR = 0.1
ALTERNATIVE_RATIO = 0.25
# An alternative must hold a number or a word of three letters or more: "Mr" or "(" is a fragment, not an answer.
_SUBSTANTIVE = re.compile(r"\d|[^\W\d_]{3,}")

# article id, passage number -> that passage of the article, or None past its ends
PassageLookup = Callable[[str, int], "Passage | None"]


@dataclass(frozen=True)
class Reply:
    """A bot reply in two messages: what a person reads first, and the sources that back it, collapsed under it.

    :param text: the answer (or the decline) with its confidence and any other possible answers.
    :param sources: the numbered sources with the cited spans marked (for a decline, the closest passages); "" when
        there are none.
    :param sources_title: the title of the collapsed message that holds `sources`.
    """

    text: str
    sources: str = ""
    sources_title: str = ""


def reply(
    result: Result,
    lookup: PassageLookup | None = None,
    show_scores: bool = False,
    folder: Path | None = None,
    note: str | None = None,
) -> Reply:
    """The bot's reply to `result`.

    :param lookup: finds neighbouring passages, to show the full paragraph around an answer; without it the
        expanded view is the passage itself.
    :param show_scores: add the reader's score to each answer and the retrieval score to each passage.
    :param folder: the articles folder, to name files by their path in it rather than in full.
    :param note: a caution shown under the answer or the decline (e.g. that the question is not in English).
    """
    if result.clarification is not None:
        return Reply(f'<p class="qa-clarify">{literal(result.clarification)}</p>')
    caution = f'<p class="qa-note">{literal(note)}</p>' if note else ""
    if result.no_answer:
        return _declined(result, show_scores, folder, caution)
    understood = (
        f'<p class="qa-understood">Understood as: <em>{literal(result.asked)}</em></p>'
        if result.asked != result.question
        else ""
    )
    best, *others = shown_answers(result.answers)
    first = (
        f'<p class="qa-best"><b>{literal(_squeeze(best.text).strip())}</b> <sup>[1]</sup> '
        f'<span class="qa-confidence">{confidence(best.score)}</span>{_score("reader", best.score, show_scores)}'
        f'<br><span class="qa-from">{literal(best.title)}</span></p>'
    )
    alternatives = "; ".join(
        f"<b>{literal(_squeeze(answer.text).strip())}</b> <sup>[{number}]</sup>"
        f"{_score('reader', answer.score, show_scores)}"
        for number, answer in enumerate(others, start=2)
    )
    also = f'<p class="qa-others">Other possible answers: {alternatives}</p>' if others else ""
    shown = [best, *others]
    sources = "".join(_source(number, answer, lookup, folder) for number, answer in enumerate(shown, 1))
    title = "Source" if len(shown) == 1 else f"Sources ({len(shown)})"
    return Reply(f"{first}{understood}{also}{caution}", f'<div class="qa-sources">{sources}</div>', title)


def confidence(score: float) -> str:
    """The reader's score (the probability that the answer is right, as calibrated) in words a person reads."""
    return next(word for floor, word in CONFIDENCE if score >= floor)


def shown_answers(answers: Sequence[Answer]) -> list[Answer]:
    """The best answer, then the others that are real alternatives: likely enough next to the best, not the same
    words as one already shown (nor inside it, nor around it), and not a fragment with no word or number in it."""
    best, *rest = answers
    shown = [best]
    for answer in rest:
        words = _key(answer.text)
        if answer.score < max(ALTERNATIVE_FLOOR, ALTERNATIVE_RATIO * best.score) or not _SUBSTANTIVE.search(words):
            continue
        if any(words in _key(kept.text) or _key(kept.text) in words for kept in shown):
            continue
        shown.append(answer)
    return shown


def literal(text: str) -> str:
    """`text` as HTML that shows each of its characters as it is, whether read as HTML, Markdown or math.

    Example: `literal("**1 < 2**")` is `"&#42;&#42;1 &lt; 2&#42;&#42;"`.
    """
    return text.translate(_LITERAL)


def _declined(result: Result, show_scores: bool, folder: Path | None, caution: str) -> Reply:
    closest = "".join(
        f"<li><b>{literal(passage.title)}</b> ({literal(_where(passage.date, passage.source, folder))})"
        f"{_score('retrieval', passage.score, show_scores)}<br>{literal(_squeeze(passage.text).strip())}</li>"
        for passage in result.passages[:DECLINED_PASSAGES]
    )
    text = f'<p class="qa-declined"><b>The articles do not answer this.</b></p>{caution}'
    return Reply(text, f'<ol class="qa-closest">{closest}</ol>', "The closest passages") if closest else Reply(text)


def _source(number: int, answer: Answer, lookup: PassageLookup | None, folder: Path | None) -> str:
    """One numbered source: title and date or file, the passage with the span marked, and the paragraph around it
    on demand when the paragraph holds more than the excerpt shows."""
    excerpt = _excerpt(answer.context, answer.start - answer.context_start, answer.end - answer.context_start)
    paragraph_text, paragraph_start = _paragraph(answer, lookup)
    where = literal(_where(answer.date, answer.source, folder))
    more = ""
    if _key(paragraph_text) not in _key(excerpt[0]):
        paragraph = _marked(paragraph_text, answer.start - paragraph_start, answer.end - paragraph_start)
        more = f"<details><summary>Full paragraph</summary><blockquote>{paragraph}</blockquote></details>"
    return (
        f'<div class="qa-source"><p><b>[{number}] {literal(answer.title)}</b> · {where} · '
        f"characters {answer.start}-{answer.end}</p><blockquote>{_marked(*excerpt)}</blockquote>{more}</div>"
    )


def _marked(text: str, start: int, end: int) -> str:
    """`text` escaped, with `text[start:end]` in `<mark>`: the exact characters cited."""
    marked = f"{literal(_squeeze(text[:start]))}<mark>{literal(_squeeze(text[start:end]))}</mark>"
    return (marked + literal(_squeeze(text[end:]))).strip()


def _excerpt(text: str, start: int, end: int) -> tuple[str, int, int]:
    """`text[start:end]` with up to `EXCERPT_CONTEXT` characters either side, cut at a space, marked with "…".

    Returns the excerpt and where the answer lies in it.
    """
    begin, stop = 0, len(text)
    if start > EXCERPT_CONTEXT:
        space = text.find(" ", start - EXCERPT_CONTEXT, start)
        begin = space + 1 if space != -1 else start - EXCERPT_CONTEXT
    if len(text) - end > EXCERPT_CONTEXT:
        space = text.rfind(" ", end, end + EXCERPT_CONTEXT)
        stop = space if space != -1 else end + EXCERPT_CONTEXT
    prefix, suffix = ("…" if begin else ""), ("…" if stop < len(text) else "")
    return prefix + text[begin:stop] + suffix, start - begin + len(prefix), end - begin + len(prefix)


def _paragraph(answer: Answer, lookup: PassageLookup | None) -> tuple[str, int]:
    """The paragraph around the answer and where it starts in the article, rebuilt from neighbouring passages.

    Passages overlap and carry their place in the article, so laying the neighbours side by side gives back the
    article's own text around the answer; the paragraph is what lies between the blank lines nearest the answer.
    """
    pieces = [(answer.context_start, answer.context)]
    if lookup is not None:
        for number in (answer.passage - 2, answer.passage - 1, answer.passage + 1, answer.passage + 2):
            neighbour = lookup(answer.article_id, number) if number > 0 else None
            if neighbour is not None:
                pieces.append((neighbour.start, neighbour.text))
    first = min(start for start, _ in pieces)
    chars = [" "] * (max(start + len(text) for start, text in pieces) - first)
    for start, text in pieces:
        chars[start - first : start - first + len(text)] = text
    window = "".join(chars)
    at, until = answer.start - first, answer.end - first
    breaks_before = [match.end() for match in _PARAGRAPH_BREAK.finditer(window, 0, at)]
    after = _PARAGRAPH_BREAK.search(window, until)
    begin = breaks_before[-1] if breaks_before else 0
    end = after.start() if after else len(window)
    return window[begin:end], first + begin


def _where(date: str | None, source: str, folder: Path | None) -> str:
    """The article's date if known, and its file (relative to the articles folder when it lies inside it)."""
    path = Path(source)
    if folder is not None and path.is_relative_to(folder):
        source = path.relative_to(folder).as_posix()
    return f"{date} · {source}" if date else source


def _score(kind: str, score: float, show: bool) -> str:
    """`score` labelled with what gave it: "retrieval" (how close a passage is to the question) or "reader" (how
    likely the answer is right)."""
    return f' <span class="qa-score">{kind} score {score:.3f}</span>' if show else ""


def _key(text: str) -> str:
    """An answer's words, to compare answers: case and spacing aside."""
    return _squeeze(text).strip().casefold()


def _squeeze(text: str) -> str:
    """Runs of whitespace as one space: line breaks of the file mean nothing in a chat bubble."""
    return _WHITESPACE.sub(" ", text)
