"""Finding and reading the articles in a folder.

An `Article` keeps the text exactly as the user's file holds it (`original`), so that the offsets of every
citation can be checked against that file, plus the cleaned body the rest of the pipeline reads
(`qa.cleaning`). For web pages and PDFs, whose characters are not the article's, `original` is the text extracted
from them (`qa.formats`). Files that cannot be read are reported and skipped: one bad file never stops the others;
an article found twice (two files, or two records of one file, with the same text) is kept once.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import logging
import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from qa.cleaning import MappedText, clean

logger = logging.getLogger(__name__)

SUFFIXES = (".txt", ".md", ".json", ".jsonl", ".csv", ".html", ".htm", ".pdf")
MAX_FILE_BYTES = 25_000_000
# A PDF or a JSON document cannot be read in part: over the limit, these are skipped. The others are read up to it.
_READ_WHOLE = (".json", ".pdf")
_HTML = (".html", ".htm")
# Formats whose records end at line breaks (as far as a cut is concerned: a CSV cell may hold one, and a row cut
# there is reported as a bad row).
_RECORD_LINES = (".jsonl", ".csv")
_LAST_WORD = re.compile(r"\s(?=\S*\Z)")
# Tried in order. UTF-8 is strict, so a Latin-1 or Windows-1252 file falls through to cp1252; latin-1 decodes
# any byte string, so it is the last resort and never fails.
ENCODINGS = ("utf-8", "cp1252", "latin-1")
# UTF-16 and UTF-32 files (Windows Notepad's "Unicode") are full of NUL bytes; their byte-order mark tells them
# from binary files. UTF-32 comes first: its little-endian mark begins with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# A byte-order mark is a character of the decoded file (offsets count it) but never part of the title.
_FIRST_LINE = re.compile(r"^\ufeff?[^\S\n]*(\S[^\n]*)", re.MULTILINE)
_MD_TITLE = re.compile(r"^\ufeff?#[^\S\n]+(\S[^\n]*)", re.MULTILINE)
_MD_HEADING = re.compile(r"^#{1,6}[^\S\n]+", re.MULTILINE)
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|`)(?=\S)(.+?)(?<=\S)\1")
_MD_LINK = re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)")


class ArticleError(ValueError):
    """An article file that cannot be used; the message names the file and the reason."""


@dataclass(frozen=True)
class Article:
    """One news article.

    :param source: where it came from, relative to the articles folder; records of a `.json` list or a `.jsonl`
        or `.csv` file add `#N` (list index, or the line the record starts on).
    :param original: the text that citation offsets point into: the whole file for `.txt`/`.md`, the record's
        `text` field (cell) for `.json`/`.jsonl`/`.csv`, the extracted text for `.html`/`.pdf`
        (`qa.formats.html`, `qa.formats.pdf`).
    :param body: the cleaned body (title excluded) and its map back into `original`.
    """

    source: str
    title: str
    original: str
    body: MappedText = field(repr=False, compare=False)
    date: str | None = None
    url: str | None = None

    @property
    def id(self) -> str:
        """Stable across edits of the article, so that a changed file replaces its old passages."""
        return hashlib.sha1(self.source.encode("utf-8")).hexdigest()[:16]

    @property
    def content_hash(self) -> str:
        """Changes whenever anything that ends up in the index changes."""
        payload = json.dumps([self.title, self.original, self.date, self.url], ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Skipped:
    """A file or record that was not indexed (or the part of a file that was not), and why.

    :param duplicate_of: for an article whose text is already indexed from elsewhere, the source it is a copy of.
    """

    path: str
    reason: str
    duplicate_of: str | None = None


@dataclass
class Corpus:
    """The articles found in a folder (or one file), and the files or records skipped on the way."""

    folder: Path
    articles: list[Article]
    skipped: list[Skipped]


def load_folder(
    folder: str | Path, exclude: Path | None = None, progress_bar: bool = False, prefer: Collection[str] = ()
) -> Corpus:
    """Read every supported file under `folder`, in a stable (sorted) order.

    Hidden files and folders are ignored, and so is anything whose real path lies outside `folder` (a symbolic
    link pointing elsewhere) or inside `exclude` (an index kept in the articles folder). Unreadable files are
    skipped with a warning naming them. An article whose text was already read from an earlier file or record is
    skipped as a duplicate of it (`drop_duplicates`).

    :param progress_bar: show a progress bar on a terminal.
    :param prefer: sources to keep rather than their copies (those already indexed).
    :raises ArticleError: if `folder` is not a directory.
    """
    root = articles_root(folder)
    articles: list[Article] = []
    skipped: list[Skipped] = []
    paths = list(article_files(root, exclude))
    shown = tqdm(paths, desc="Reading articles", unit="file", disable=None if progress_bar else True)
    with logging_redirect_tqdm():  # a warning about one file goes above the bar, not through it
        for found in read_files(root, shown):
            articles.extend(found.articles)
            skipped.extend(found.skipped)
    unique, duplicates = drop_duplicates(articles, prefer)
    return Corpus(root, unique, skipped + duplicates)


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


class Duplicates:
    """Recognises copies among articles met one at a time; the first article with a text is the one kept.

    Two articles are copies when their cleaned bodies are the same up to case and whitespace: the same story saved
    twice, under two names or in two formats, with its title line, line endings or wrapping changed. Titles are not
    compared (a page's `<title>` carries the site's name, a `.txt` file's first line does not), nor are dates.

    Example::

        >>> duplicates = Duplicates()
        >>> duplicates.copy_of(Article("a.txt", "A", "Same text.", clean("Same text."))) is None
        True
        >>> duplicates.copy_of(Article("b.txt", "B", "SAME  text.", clean("SAME  text."))).duplicate_of
        'a.txt'
    """

    def __init__(self) -> None:
        self._first: dict[str, str] = {}  # hash of the normalised text -> source of the first article with it

    def copy_of(self, article: Article) -> Skipped | None:
        """A `Skipped` naming the earlier article that `article` copies, or None if its text is new."""
        key = hashlib.sha256(" ".join(article.body.text.casefold().split()).encode("utf-8")).hexdigest()
        first = self._first.setdefault(key, article.source)
        if first == article.source:
            return None
        return Skipped(article.source, f"it has the same text as {first}", duplicate_of=first)


def drop_duplicates(articles: list[Article], prefer: Collection[str] = ()) -> tuple[list[Article], list[Skipped]]:
    """The articles with one of each set of copies (see `Duplicates`), and a `Skipped` for each other copy.

    The copy kept is the first whose source is in `prefer`, else the first: a copy added to an indexed folder then
    costs nothing, even when its name sorts first.
    """
    duplicates = Duplicates()
    preferred_first = sorted(articles, key=lambda article: article.source not in prefer)  # a stable sort
    copies = {article.source: copy for article in preferred_first if (copy := duplicates.copy_of(article))}
    for copy in copies.values():
        logger.info("Skipping %s: %s", copy.path, copy.reason)
    unique = [article for article in articles if article.source not in copies]
    return unique, [copies[article.source] for article in articles if article.source in copies]


def articles_root(folder: str | Path) -> Path:
    """`folder` as an absolute path.

    :raises ArticleError: if it is not a directory.
    """
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise ArticleError(f"Articles folder '{folder}' does not exist or is not a directory.")
    return root.resolve()


def article_files(root: Path, exclude: Path | None = None) -> Iterator[Path]:
    """The candidate article files under `root` (resolved), sorted; see `load_folder` for what is left out."""
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts) or path.suffix.lower() not in SUFFIXES:
            continue
        if exclude is not None and path.is_relative_to(exclude):
            continue
        if not path.resolve().is_relative_to(root):
            logger.warning("Skipping %s: it points outside the articles folder.", relative.as_posix())
            continue
        if path.is_file():
            yield path


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
        records = _json_records(text, source)
    elif suffix == ".csv":
        from qa.formats.tables import csv_records

        records = csv_records(text, source)
    else:
        return Corpus(Path(source), [_read_plain(text, source, markdown=suffix == ".md")], [])
    found = Corpus(Path(source), [], [])
    for record_source, where, record in records:
        try:
            article = _from_record(record, record_source, where)
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


def read_bytes(path: Path, partial: bool) -> tuple[bytes, str | None]:
    """The file's bytes, and what was left out of them, if anything.

    A file over `MAX_FILE_BYTES` is most likely a dump of many articles (a `.jsonl` or `.csv` export, a long
    page), and a user would rather have the articles in its first part than none: with `partial`, the first
    `MAX_FILE_BYTES` bytes are read (and the text is cut after its last complete line), and the second value says
    what was left out. A PDF or a JSON document cannot be read in part, so without `partial` such a file is skipped.

    :raises ArticleError: for an unreadable file, or one too large to read whole without `partial`.
    """
    limit = f"the limit is {MAX_FILE_BYTES / 1e6:.0f} MB per file"
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES and not partial:
            raise ArticleError(f"it is {size / 1e6:.0f} MB; {limit}, and a {path.suffix} file cannot be read in part")
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise ArticleError(f"cannot be read ({error.strerror or error})") from error
    if len(data) <= MAX_FILE_BYTES:
        return data, None
    logger.warning("%s is %.0f MB; only its first %.0f MB are read.", path.name, size / 1e6, MAX_FILE_BYTES / 1e6)
    left_out = f"everything after its first {MAX_FILE_BYTES / 1e6:.0f} MB (it is {size / 1e6:.0f} MB; {limit})"
    return data[:MAX_FILE_BYTES], left_out


def decode(path: Path) -> str:
    """The whole file's text, line endings and all, so that offsets into it are offsets into the file's characters.

    :raises ArticleError: for an unreadable, empty, binary or oversized file.
    """
    return decode_bytes(read_bytes(path, partial=False)[0], path.name)


def decode_bytes(data: bytes, name: str, final: bool = True) -> str:
    """The text of a file's bytes; with `final=False` they are its first part, cut anywhere, and a character
    split by the cut is left out.

    :raises ArticleError: for empty or binary data, or data with a byte-order mark that does not decode.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return str(codecs.getincrementaldecoder(encoding)().decode(data, final))
            except UnicodeDecodeError as error:
                raise ArticleError(f"it starts like {encoding.upper()} text but is not ({error.reason})") from error
    if not data.strip():
        raise ArticleError("it is empty")
    if b"\x00" in data[:8192]:
        raise ArticleError("it looks like a binary file, not text")
    for encoding in ENCODINGS:
        try:
            text = codecs.getincrementaldecoder(encoding)().decode(data, final)
        except UnicodeDecodeError:
            continue
        if encoding != "utf-8":
            logger.info("%s is not UTF-8; read it as %s.", name, encoding)
        return str(text)
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def _whole_part(text: str, by_line: bool) -> str:
    """The first part of a file cut anywhere, without what the cut split: the text up to its last line break (a
    record split in two is dropped) or, for one article, up to its last whitespace (a word split in two is)."""
    if by_line:
        return text[: text.rfind("\n") + 1]
    last = _LAST_WORD.search(text)
    return text[: last.start()] if last else text


def _read_html(data: bytes, source: str) -> Article:
    """A saved web page: its title from the page's metadata, its text as extracted (`qa.formats.html`)."""
    from qa.formats.html import extract_page

    page = extract_page(data)
    return _titled(page.text, source, page.title, date=page.date, url=page.url)


def _read_pdf(data: bytes, source: str) -> Article:
    """A PDF: its title from the document's metadata, else its first line (`qa.formats.pdf`)."""
    from qa.formats.pdf import extract_pdf

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


def jsonl_records(text: str, source: str) -> Iterator[tuple[str, str, Any]]:
    """`(source#line, "line N", record)` for each non-blank line; a line that does not parse brings its error."""
    for number, line in enumerate(text.split("\n"), start=1):  # not splitlines(): U+2028 may sit inside a string
        if not line.strip():
            continue
        where = f"line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            record = ArticleError(f"{where} is not valid JSON ({error.msg})")
        yield f"{source}#{number}", where, record


def _json_records(text: str, source: str) -> Iterator[tuple[str, str, Any]]:
    """`(source#N, "item N", record)` for each item of a list, or `(source, ..., object)` for a single object."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ArticleError(f"it is not valid JSON ({error.msg} at line {error.lineno})") from error
    if isinstance(data, list):
        yield from ((f"{source}#{number}", f"item {number}", record) for number, record in enumerate(data))
    else:
        yield source, "the top-level object", data


def _from_record(record: Any, source: str, where: str) -> Article:
    """An article from a JSON object with `title`, `text` and optional `date`, `url`."""
    if isinstance(record, ArticleError):  # a line that did not parse
        raise record
    if not isinstance(record, dict):
        raise ArticleError(f"{where} is not a JSON object with 'title' and 'text'")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ArticleError(f"{where} has no 'text' string")
    title = record.get("title")
    if title is not None and not isinstance(title, str):
        raise ArticleError(f"{where} has a 'title' that is not a string")
    body = clean(text)
    first_line = body.text.split("\n", 1)[0]
    return Article(
        source=source,
        title=(title or first_line[:80]).strip(),
        original=text,
        body=body,
        date=_optional_str(record.get("date")),
        url=_optional_str(record.get("url")),
    )


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)
