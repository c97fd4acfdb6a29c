"""Writing an index safely: one writer at a time, files that are whole on disk before they are used."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

from qa.errors import IndexingError

logger = logging.getLogger(__name__)

_NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})
_NOT_ALLOWED = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})


@contextlib.contextmanager
def locked(directory: Path) -> Iterator[None]:
    """One writer at a time per index directory: others wait, and say so (a long build would otherwise leave a
    `qa ask` silent for minutes)."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            logger.warning("Another process is updating the index in %s; waiting for it to finish.", directory)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def locked_if_free(directory: Path) -> Iterator[bool]:
    """The writer's lock if no other process holds it now (True), else nothing (False), without waiting."""
    with open(directory / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def fsync_tree(directory: Path) -> None:
    for path in directory.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())


def checksums(directory: Path) -> dict[str, str]:
    """The SHA-256 of every file under `directory`, by its path relative to it.

    Recorded in the manifest when a generation is written and compared when it is opened: damage that leaves a
    file readable (an overwritten FAISS vector, a bad SQLite data page) would otherwise surface only as wrong
    passages or as an error in the middle of a question.
    """
    return {
        path.relative_to(directory).as_posix(): _sha256(path) for path in sorted(directory.rglob("*")) if path.is_file()
    }


def damaged_file(directory: Path, recorded: dict[str, str]) -> str | None:
    """The first file of `recorded` under `directory` that no longer matches its checksum, or None.

    A missing file is left to the store that needs it, which names it.
    """
    for name, digest in recorded.items():
        path = directory / name
        if path.is_file() and _sha256(path) != digest:
            return name
    return None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def unwritable(directory: Path, error: OSError) -> IndexingError:
    """The one sentence a user sees when an index cannot be written: what happened, and what to do.

    A build writes a new generation beside the current one and switches the manifest last, so whatever failed,
    the index that was there before is still whole; the message says so.
    """
    where = f" ({error.filename})" if error.filename else ""
    reason = (error.strerror or "cannot be written").lower()
    if error.errno in _NO_SPACE:
        return IndexingError(
            f"The disk holding {directory} is full: free some space and run again (the previous index is kept)."
        )
    if error.errno in _NOT_ALLOWED:
        return IndexingError(
            f"Cannot write the index in {directory}: {reason}{where}. Make it writable or choose another folder "
            "with --index-dir or QA_INDEX_DIR (the previous index is kept)."
        )
    return IndexingError(f"Cannot write the index in {directory}: {reason}{where} (the previous index is kept).")
