"""Reading the articles in a folder: each file, in its format, into `Article`s.

Files that cannot be read are reported and skipped: one bad file never stops the others; an article found twice
(two files, or two records of one file, with the same text) is kept once (`qa.ingest.duplicates`). The formats
that need a library (`qa.ingest.formats`) are imported when a file needs them, so that reading plain text stays
light.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from qa.errors import ArticleError
from qa.ingest.article import Article, Corpus, Skipped
from qa.ingest.cleaning import clean
from qa.ingest.decode import decode_bytes
from qa.ingest.duplicates import Duplicates
from qa.ingest.files import article_files, articles_root, read_bytes
from qa.ingest.records import from_record, json_records, jsonl_records

logger = logging.getLogger(__name__)

# A PDF or a JSON document cannot be read in part: over the limit, these are skipped. The others are read up to it.
_READ_WHOLE = (".json", ".pdf")
_HTML = (".html", ".htm")
# Formats whose records end at line breaks (as far as a cut is concerned: a CSV cell may hold one, and a row cut
# there is reported as a bad row).
_RECORD_LINES = (".jsonl", ".csv")
_LAST_WORD = re.compile(r"\s(?=\S*\Z)")
# A byte-order mark is a character of the decoded file (offsets count it) but never part of the title.
_FIRST_LINE = re.compile(r"^\ufeff?[^\S\n]*(\S[^\n]*)", re.MULTILINE)
_MD_TITLE = re.compile(r"^\ufeff?#[^\S\n]+(\S[^\n]*)", re.MULTILINE)
_MD_HEADING = re.compile(r"^#{1,6}[^\S\n]+", re.MULTILINE)
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|`)(?=\S)(.+?)(?<=\S)\1")
_MD_LINK = re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)")


def load_folder(folder: str | Path, exclude: Path | None = None, progress_bar: bool = False) -> Corpus:
    """Read every supported file under `folder`, in a stable (sorted) order.

    What is left out is said in `qa.ingest.files`. Unreadable files are skipped with a warning naming them. An
    article whose text was already read from an earlier file or record is skipped as a duplicate of it.

    :param progress_bar: show a progress bar on a terminal.
    :raises ArticleError: if `folder` is not a directory.
    """
    root = articles_root(folder)
    articles: list[Article] = []
    skipped: list[Skipped] = []
    copies: list[Skipped] = []
    duplicates = Duplicates()
    paths = list(article_files(root, exclude))
    shown = tqdm(paths, desc="Reading articles", unit="file", disable=None if progress_bar else True)
    with logging_redirect_tqdm():  # a warning about one file goes above the bar, not through it
        for found in read_files(root, shown):
            kept, copied = duplicates.sift(found.articles)
            articles.extend(kept)
            skipped.extend(found.skipped)
            copies.extend(copied)
    return Corpus(root, articles, skipped + copies)


def read_files(root: Path, paths: Iterable[Path]) -> Iterator[Corpus]:
    """Each file's articles and skips, one file at a time, so that a large folder is never all in memory.

    A file that cannot be used comes back as a `Corpus` with no articles and the reason in `skipped`, after a
    warning naming it.
    """
    for path in paths:
        relative = path.relative_to(root).as_posix()
        try:
            found = read_file(path, relative)
        except ArticleError as error:
            found = Corpus(path, [], [Skipped(relative, str(error))])
        for skip in found.skipped:
            logger.warning("Skipping %s: %s", skip.path, skip.reason)
        yield found


def read_file(path: Path, source: str) -> Corpus:
    """Read one file into its articles (several for a `.jsonl` or `.csv` file or a `.json` list).

    A bad record of a `.jsonl` or `.csv` file or a `.json` list is skipped on its own (as `source#N`), so that one
    broken line does not cost the rest of the file. A file over `MAX_FILE_BYTES` is read up to the limit (see
    `read_bytes`), and what was left out is reported as skipped.

    :raises ArticleError: for a file that is empty, binary, too large, or not in the expected format.
    """
    suffix = path.suffix.lower()
    data, left_out = read_bytes(path, partial=suffix not in _READ_WHOLE)
    found = _read_data(data, suffix, source, complete=left_out is None)
    if left_out is not None:
        found.skipped.append(Skipped(source, left_out))
    return found


def _read_data(data: bytes, suffix: str, source: str, complete: bool) -> Corpus:
    """The articles in the bytes of a file with this suffix; `complete` is false for the first part of a file."""
    if suffix in _HTML:
        return Corpus(Path(source), [_read_html(data, source)], [])
    if suffix == ".pdf":
        return Corpus(Path(source), [_read_pdf(data, source)], [])
    text = decode_bytes(data, source, final=complete)
    if not complete:
        text = _whole_part(text, by_line=suffix in _RECORD_LINES)
    if suffix == ".jsonl":
        records = jsonl_records(text, source)
    elif suffix == ".json":
        records = json_records(text, source)
    elif suffix == ".csv":
        from qa.ingest.formats.tables import csv_records

        records = csv_records(text, source)
    else:
        return Corpus(Path(source), [_read_plain(text, source, markdown=suffix == ".md")], [])
    found = Corpus(Path(source), [], [])
    for record_source, where, record in records:
        try:
            article = from_record(record, record_source, where)
        except ArticleError as error:
            found.skipped.append(Skipped(record_source, str(error)))
        else:
            found.articles.append(article)
    if not found.articles:  # the whole file is unusable: say so once, for the file
        if not found.skipped:
            raise ArticleError("it holds no articles")
        more = len(found.skipped) - 1
        raise ArticleError(found.skipped[0].reason + (f" (and {more} more bad records)" if more else ""))
    return found


def _whole_part(text: str, by_line: bool) -> str:
    """The first part of a file cut anywhere, without what the cut split: the text up to its last line break (a
    record split in two is dropped) or, for one article, up to its last whitespace (a word split in two is)."""
    if by_line:
        return text[: text.rfind("\n") + 1]
    last = _LAST_WORD.search(text)
    return text[: last.start()] if last else text


def _read_html(data: bytes, source: str) -> Article:
    """A saved web page: its title from the page's metadata, its text as extracted (`qa.ingest.formats.html`)."""
    from qa.ingest.formats.html import extract_page

    page = extract_page(data)
    return _titled(page.text, source, page.title, date=page.date, url=page.url)


def _read_pdf(data: bytes, source: str) -> Article:
    """A PDF: its title from the document's metadata, else its first line (`qa.ingest.formats.pdf`)."""
    from qa.ingest.formats.pdf import extract_pdf

    pdf = extract_pdf(data)
    return _titled(pdf.text, source, pdf.title, hard_wrapped=True)


def _titled(
    text: str,
    source: str,
    title: str | None,
    hard_wrapped: bool | None = None,
    date: str | None = None,
    url: str | None = None,
) -> Article:
    """An article of extracted `text` and the `title` its file's metadata gives, if any.

    The first line is the title when there is no other, and it is left out of the body when it repeats the title,
    as a page's headline does.
    """
    first_line = _FIRST_LINE.search(text)
    if first_line is None:
        raise ArticleError("it is empty")
    heading = first_line.group(1).strip()
    body_start = first_line.end() if title is None or heading.casefold() == title.casefold() else 0
    body = clean(text[body_start:], body_start, hard_wrapped)
    if not body.text:
        raise ArticleError("it has a title but no text")
    return Article(source=source, title=title or heading, original=text, body=body, date=date, url=url)


def _read_plain(text: str, source: str, markdown: bool) -> Article:
    """A `.txt` or `.md` article: the first non-empty line (or a Markdown `# ` heading) is the title.

    The body is what follows the title line; in Markdown, anything above the first heading (front matter,
    badges) is left out.
    """
    title_match = _MD_TITLE.search(text) if markdown else None
    title_match = title_match or _FIRST_LINE.search(text)
    if title_match is None:
        raise ArticleError("it is empty")
    body = clean(text[title_match.end() :], title_match.end())
    if markdown:
        body = body.sub(_MD_LINK, r"\1").sub(_MD_EMPHASIS, r"\2").sub(_MD_HEADING, "")
    if not body.text:
        raise ArticleError("it has a title but no text")
    return Article(source=source, title=title_match.group(1).strip(), original=text, body=body)
