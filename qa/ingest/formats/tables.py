"""CSV tables of articles: a header row naming `title` and `text` columns, and optionally `date` and `url`.

Python's `csv` module reads the dialect spreadsheets write: quoted cells with commas, doubled quotes and line breaks
inside them. Each row is a record for `qa.ingest.read`, named by the line of the file it starts on, so that a bad row
can be found in an editor.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from qa.config import MAX_FILE_BYTES
from qa.errors import ArticleError

COLUMNS = ("title", "text", "date", "url")


def csv_records(text: str, source: str) -> Iterator[tuple[str, str, Any]]:
    """`(source#LINE, "the row on line LINE", record)` for each row with any content.

    A record is a dict of the known columns (header names are matched without regard to case or surrounding
    spaces, after the byte-order mark Excel writes; other columns are ignored), or an `ArticleError` for a row that
    does not parse. Cells are separated by commas, or by semicolons or tabs when the header row has one of those
    and no comma (spreadsheets write semicolons where the comma is the decimal mark).

    :raises ArticleError: if the header row has no `text` column.
    """
    # The default cap on a cell, 128 KB, is shorter than some articles; a file is capped at MAX_FILE_BYTES anyway.
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FILE_BYTES))
    text = text.removeprefix("\ufeff")  # before a quoted first name, it would make that name unquoted
    header_line = text.split("\n", 1)[0]
    delimiter = next((mark for mark in (",", ";", "\t") if mark in header_line), ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise ArticleError("it is empty") from None
    except csv.Error as error:
        raise ArticleError(f"its header row is not valid CSV ({error})") from error
    if "text" not in header:
        raise ArticleError(f"its header row has no 'text' column (it has: {', '.join(header) or 'nothing'})")
    columns = {name: header.index(name) for name in COLUMNS if name in header}
    while True:
        first_line = reader.line_num + 1
        where = f"the row on line {first_line}"
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield f"{source}#{first_line}", where, ArticleError(f"{where} is not valid CSV ({error})")
            return  # the reader cannot find the next row after a broken one
        if not any(cell.strip() for cell in row):
            continue
        record = {name: row[i] if i < len(row) and row[i].strip() else None for name, i in columns.items()}
        yield f"{source}#{first_line}", where, record
