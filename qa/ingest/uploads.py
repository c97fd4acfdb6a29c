"""Adding articles to the articles folder from outside it: uploaded files and pasted text.

An added article is checked with the same reader that indexing uses *before* it is saved, so a bad upload
(binary, empty, too large, undecodable, no usable record) is refused with the reason and never reaches the folder
or the index. Accepted articles are saved under `uploads/` in the articles folder: they are the user's articles
from then on, indexed like any other file and still there after a restart.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from qa.config import MAX_FILE_BYTES
from qa.errors import ArticleError
from qa.ingest.article import Skipped
from qa.ingest.files import SUFFIXES
from qa.ingest.read import read_file

UPLOADS = "uploads"
_UNSAFE = re.compile(r"[^\w.-]+")
# File systems bound a name in bytes (255 on ext4, APFS, NTFS), not in characters: 80 characters of a script that
# takes four bytes each are already too long. This leaves room for the "-<number>" and the suffix.
_STEM_BYTES = 200


@dataclass
class Added:
    """What an upload did: the files saved (relative to the articles folder) and the ones refused, with why."""

    saved: list[str] = field(default_factory=list)
    refused: list[Skipped] = field(default_factory=list)


def add_files(folder: Path, uploads: list[tuple[Path, str]]) -> Added:
    """Check each uploaded file and copy the good ones into `folder/uploads/`.

    :param uploads: (where the file is now, the name the user gave it).
    """
    added = Added()
    for path, name in uploads:
        try:
            saved = _add_file(folder, path, name)
        except ArticleError as error:
            added.refused.append(Skipped(name, str(error)))
        else:
            added.saved.append(saved)
    return added


def add_text(folder: Path, title: str, text: str) -> str:
    """Save a pasted article as `folder/uploads/<title>.txt` (title on the first line, as `.txt` articles have it).

    :raises ArticleError: if the title or the text is empty, or the text is too large.
    """
    title, text = " ".join(title.split()), text.strip()
    if not title:
        raise ArticleError("The article needs a title.")
    if not text:
        raise ArticleError("The article's text is empty.")
    content = f"{title}\n\n{text}\n".encode()
    if len(content) > MAX_FILE_BYTES:
        raise ArticleError(f"The text is {len(content):,} bytes; the limit is {MAX_FILE_BYTES:,}.")
    target = _free_name(folder, f"{title}.txt")
    target.write_bytes(content)
    return target.relative_to(folder).as_posix()


def remove(folder: Path, saved: list[str]) -> None:
    """Take back files `add_files`/`add_text` saved (when indexing them failed), so the folder is as it was."""
    for relative in saved:
        (folder / relative).unlink(missing_ok=True)


def _add_file(folder: Path, path: Path, name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        kind = suffix or "a file without an extension"
        raise ArticleError(f"{kind} is not an article format ({', '.join(SUFFIXES)})")
    # Raises ArticleError for an empty, binary or undecodable file, and for a `.json` or `.pdf` one over
    # `MAX_FILE_BYTES`; any other is read up to that limit, as in the folder, and its skip says what was left out.
    found = read_file(path, name)
    records = [skip for skip in found.skipped if skip.path != name]
    if records:
        bad = "; ".join(f"{skip.path}: {skip.reason}" for skip in records)
        raise ArticleError(f"it has bad records ({bad}); fix or remove them and upload it again")
    target = _free_name(folder, name)
    shutil.copyfile(path, target)
    return target.relative_to(folder).as_posix()


def _free_name(folder: Path, name: str) -> Path:
    """A path in `folder/uploads/` for `name`, made safe, that does not overwrite an earlier upload."""
    directory = folder / UPLOADS
    directory.mkdir(parents=True, exist_ok=True)
    stem, suffix = Path(name).stem, Path(name).suffix.lower()
    stem = _UNSAFE.sub("-", stem).encode()[:_STEM_BYTES].decode(errors="ignore")  # never half a character
    stem = stem.strip("-.") or "article"
    target = directory / f"{stem}{suffix}"
    number = 1
    while target.exists():
        number += 1
        target = directory / f"{stem}-{number}{suffix}"
    return target
