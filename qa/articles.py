"""Finding and reading the articles in a folder.

An `Article` keeps the text exactly as the user's file holds it (`original`), so that the offsets of every
citation can be checked against that file, plus the cleaned body the rest of the pipeline reads
(`qa.cleaning`). Files that cannot be read are reported and skipped: one bad file never stops the others.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa.cleaning import MappedText, clean

logger = logging.getLogger(__name__)

SUFFIXES = (".txt", ".md", ".json", ".jsonl")
MAX_FILE_BYTES = 25_000_000
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
        file add `#N` (list index or line number).
    :param original: the text that citation offsets point into: the whole file for `.txt`/`.md`, the record's
        `text` field for `.json`/`.jsonl`.
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
    """A file that was not indexed, and why."""

    path: str
    reason: str


@dataclass
class Corpus:
    """The articles found in a folder (or one file), and the files or records skipped on the way."""

    folder: Path
    articles: list[Article]
    skipped: list[Skipped]


def load_folder(folder: str | Path, exclude: Path | None = None) -> Corpus:
    """Read every supported file under `folder`, in a stable (sorted) order.

    Hidden files and folders are ignored, and so is anything whose real path lies outside `folder` (a symbolic
    link pointing elsewhere) or inside `exclude` (an index kept in the articles folder). Unreadable files are
    skipped with a warning naming them.

    :raises ArticleError: if `folder` is not a directory.
    """
    root = articles_root(folder)
    articles: list[Article] = []
    skipped: list[Skipped] = []
    for found in read_files(root, article_files(root, exclude)):
        articles.extend(found.articles)
        skipped.extend(found.skipped)
    return Corpus(root, articles, skipped)


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
    """Read one file into its articles (several for a `.jsonl` file or a `.json` list).

    A bad record of a `.jsonl` file or a `.json` list is skipped on its own (as `source#N`), so that one broken
    line does not cost the rest of the file.

    :raises ArticleError: for a file that is empty, binary, too large, or not in the expected format.
    """
    text = decode(path)
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        records = _jsonl_records(text, source)
    elif suffix == ".json":
        records = _json_records(text, source)
    else:
        return Corpus(path, [_read_plain(text, source, markdown=suffix == ".md")], [])
    found = Corpus(path, [], [])
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


def decode(path: Path) -> str:
    """The file's text, line endings and all, so that offsets into it are offsets into the file's characters.

    :raises ArticleError: for an unreadable, empty, binary or oversized file.
    """
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ArticleError(f"it is {size / 1e6:.0f} MB; the limit is {MAX_FILE_BYTES / 1e6:.0f} MB per file")
        data = path.read_bytes()
    except OSError as error:
        raise ArticleError(f"cannot be read ({error.strerror or error})") from error
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as error:
                raise ArticleError(f"it starts like {encoding.upper()} text but is not ({error.reason})") from error
    if not data.strip():
        raise ArticleError("it is empty")
    if b"\x00" in data[:8192]:
        raise ArticleError("it looks like a binary file, not text")
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding != "utf-8":
            logger.info("%s is not UTF-8; read it as %s.", path.name, encoding)
        return text
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


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


def _jsonl_records(text: str, source: str) -> Iterator[tuple[str, str, Any]]:
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
