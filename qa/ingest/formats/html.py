"""Saved news pages (`.html`, `.htm`): the article's text, title and date, without the page around it.

trafilatura does the extraction: it drops navigation, scripts, styles, adverts, asides and footers, and finds the
title and publication date in the page's metadata (`<title>`, Open Graph, JSON-LD, `<time>`). It works on the bytes
given to it and fetches nothing. Haystack's `HTMLToDocument` wraps the same library but keeps neither title nor date
and turns a failure into a log line, so the library is called directly.
"""

from __future__ import annotations

from dataclasses import dataclass

import trafilatura

from qa.errors import ArticleError


@dataclass(frozen=True)
class Page:
    """What was extracted from a page. `text` is what citation offsets count in: the page's article text, one
    paragraph per line, as trafilatura extracts it (the title line included when the page repeats it)."""

    title: str | None
    text: str
    date: str | None
    url: str | None


def extract_page(html: bytes) -> Page:
    """The article in a saved web page; the page's own `<meta charset>` decides how its bytes are decoded.

    :raises ArticleError: if the page holds no article text.
    """
    try:
        found = trafilatura.bare_extraction(
            html,
            with_metadata=True,
            favor_precision=True,  # a passage of menu items is worse for answering than a lost paragraph
            include_comments=False,
            include_images=False,
            include_links=False,
        )
    except Exception as error:  # lxml and trafilatura on broken markup: one bad page must not stop the others
        raise ArticleError(f"it is not an HTML page that can be read ({error})") from error
    fields = {} if found is None else found if isinstance(found, dict) else found.as_dict()
    text = fields.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ArticleError("no article text was found in the page")
    return Page(
        title=fields.get("title") or None, text=text, date=fields.get("date") or None, url=fields.get("url") or None
    )
