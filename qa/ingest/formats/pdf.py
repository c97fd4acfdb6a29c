"""PDF articles: the text of every page, through pypdf.

A PDF holds positioned glyphs, not paragraphs: pypdf gives each page's lines, hard-wrapped where the page wrapped
them. The text citation offsets count in is pypdf's text of each page, pages separated by a blank line; cleaning
then treats every lone line break as a wrap (`qa.ingest.cleaning.clean(..., hard_wrapped=True)`). Haystack's
`PyPDFToDocument` wraps the same library but turns a failure into a log line, so the library is called directly.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from pypdf import PdfReader

from qa.errors import ArticleError

# pypdf logs what it makes of damaged files as it goes (pages of it for one bad font); the reader reports what
# matters, once per file, as the reason it is skipped.
logging.getLogger("pypdf").setLevel(logging.CRITICAL)


@dataclass(frozen=True)
class PdfText:
    """The text of a PDF and the title its metadata gives, if any."""

    title: str | None
    text: str


def extract_pdf(data: bytes) -> PdfText:
    """The text of all pages of the PDF in `data`.

    :raises ArticleError: if it is not a PDF, is encrypted, or holds no text (a scan without a text layer).
    """
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ArticleError("it is an encrypted PDF")
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
        title = reader.metadata.title if reader.metadata is not None else None
    except ArticleError:
        raise
    except Exception as error:  # a damaged file makes pypdf raise almost anything (NotImplementedError, KeyError...)
        raise ArticleError(f"it is not a PDF that can be read ({type(error).__name__}: {error})") from error
    text = "\n\n".join(page for page in pages if page)
    if not text:
        raise ArticleError("the PDF holds no text (a scan without a text layer?)")
    return PdfText(title=title.strip() if isinstance(title, str) and title.strip() else None, text=text)
