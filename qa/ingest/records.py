"""Articles as records: JSON objects with `title`, `text` and optional `date` and `url`, one per `.jsonl` line, in a
`.json` list, or (through `qa.ingest.formats.tables`) one per CSV row.

A record source yields `(source#N, where, record)` triples; a record that does not parse is an `ArticleError` in
place of the record, so that one broken line costs only itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from qa.errors import ArticleError
from qa.ingest.article import Article
from qa.ingest.cleaning import clean


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


def json_records(text: str, source: str) -> Iterator[tuple[str, str, Any]]:
    """`(source#N, "item N", record)` for each item of a list, or `(source, ..., object)` for a single object."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ArticleError(f"it is not valid JSON ({error.msg} at line {error.lineno})") from error
    if isinstance(data, list):
        yield from ((f"{source}#{number}", f"item {number}", record) for number, record in enumerate(data))
    else:
        yield source, "the top-level object", data


def from_record(record: Any, source: str, where: str) -> Article:
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
