"""Which folder to answer from, and whether it changed since it was indexed (its fingerprint)."""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import asdict
from pathlib import Path

from qa import config
from qa.config import ENV
from qa.errors import ArticleError
from qa.index.settings import IndexSettings
from qa.ingest.files import article_files

FORMAT_VERSION = 3
MANIFEST = "manifest.json"
# Bytes the fingerprint reads at each end of a file: all of a news article, a bounded cost for anything larger.
SAMPLE_BYTES = 65_536


def articles_folder(articles: str | Path | None, directory: str | Path) -> Path:
    """The folder to answer from: `articles` if given, else `$QA_ARTICLES`, else the folder the index in `directory`
    was last built from (so that `qa index --articles X` and then `qa ask` asks about X), else the bundled seeds."""
    chosen = articles if articles is not None else config.articles()
    if chosen is not None:
        return Path(chosen)
    try:
        recorded = json.loads((Path(directory) / MANIFEST).read_text(encoding="utf-8")).get("articles_folder")
    except (OSError, ValueError, AttributeError):
        recorded = None
    return Path(recorded) if isinstance(recorded, str) and Path(recorded).is_dir() else config.SEEDS


def fingerprint(folder: Path, directory: Path, settings: IndexSettings) -> str:
    """A hash of every candidate file's path, size, modification time and first and last `SAMPLE_BYTES`, with the
    settings and the format: it changes when a file does, and costs the same for a 60 GB file as for a small one
    (every `qa ask` computes it).

    :raises ArticleError: once what indexing would read of the files (each up to `config.MAX_FILE_BYTES`) adds up
        to more than `config.max_folder_bytes()`, before any is read whole: such a folder is most likely not the
        one meant.
    """
    limit = config.max_folder_bytes()
    total = 0
    digest = hashlib.sha256(json.dumps([FORMAT_VERSION, asdict(settings)]).encode())
    for path in article_files(folder, exclude=directory):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        with contextlib.suppress(OSError):
            size, sample = _file_sample(path)
            digest.update(sample)
            total += min(size, config.MAX_FILE_BYTES)  # what indexing reads of it (`qa.ingest.files.read_bytes`)
        if limit is not None and total > limit:
            raise ArticleError(
                f"'{folder}' holds more than {limit:,} bytes of article files, the most a folder may hold: is it the "
                f"right folder? Set {ENV.MAX_FOLDER_BYTES} to a larger number of bytes (0 for no limit) to index it."
            )
    return digest.hexdigest()


def _file_sample(path: Path) -> tuple[int, bytes]:
    """A file's size, and what the fingerprint reads of it: size and modification time, first and last bytes."""
    status = path.stat()
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
        if status.st_size > 2 * SAMPLE_BYTES:
            handle.seek(-SAMPLE_BYTES, 2)
        tail = handle.read(SAMPLE_BYTES)
    return status.st_size, f"{status.st_size}:{status.st_mtime_ns}:".encode() + hashlib.sha256(head + tail).digest()
