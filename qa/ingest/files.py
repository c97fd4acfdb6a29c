"""Finding the article files in a folder, and reading their bytes within the size limit.

Hidden files and folders are ignored, and so is anything whose real path lies outside the folder (a symbolic link
pointing elsewhere) or inside an excluded folder (an index kept in the articles folder).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

from qa import config
from qa.config import ENV, MAX_FILE_BYTES
from qa.errors import ArticleError
from qa.ingest.decode import decode_bytes

logger = logging.getLogger(__name__)

SUFFIXES = (".txt", ".md", ".json", ".jsonl", ".csv", ".html", ".htm", ".pdf")


def articles_root(folder: str | Path) -> Path:
    """`folder` as an absolute path.

    :raises ArticleError: if it is not a directory, or is one that is never a folder of articles: the file system's
        root, a system folder or the home folder, where indexing would read every file of the machine or the user
        (a slip of `--articles ~` or `/`, not a wish), unless `$QA_ANY_FOLDER` says it is one.
    """
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise ArticleError(f"Articles folder '{folder}' does not exist or is not a directory.")
    resolved = root.resolve()
    if resolved in _never_articles() and not config.any_folder():
        raise ArticleError(
            f"'{folder}' is {'your home folder' if resolved == _home() else 'a system folder'}, not a folder of "
            "articles: indexing it would read every file below it. Put the articles in a folder of their own and "
            f"give that folder (or set {ENV.ANY_FOLDER}=1 to index it anyway)."
        )
    return resolved


def _never_articles() -> set[Path]:
    home = _home()
    return {Path(name) for name in _SYSTEM_FOLDERS} | ({home} if home is not None else set())


def _home() -> Path | None:
    try:
        return Path.home().resolve()
    except RuntimeError:  # no home folder known (no $HOME, no password entry)
        return None


# Folders whose whole tree is never a folder of articles (their sub-folders may be).
_SYSTEM_FOLDERS = (
    "/",
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/lib64",
    "/proc",
    "/run",
    "/sbin",
    "/sys",
    "/usr",
    "/var",
)


def article_files(root: Path, exclude: Path | None = None) -> Iterator[Path]:
    """The candidate article files under `root` (resolved), sorted; see the module docstring for what is left out.

    An entry that cannot be used (a symbolic link in a loop, a name that is not UTF-8) is skipped with a warning
    naming it: one bad entry never stops the folder.
    """
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts) or path.suffix.lower() not in SUFFIXES:
            continue
        if exclude is not None and path.is_relative_to(exclude):
            continue
        problem = _unusable(path, root)
        if problem is not None:
            logger.warning("Skipping %s: %s.", shown_name(relative.as_posix()), problem)
            continue
        if path.is_file():
            yield path


def shown_name(name: str) -> str:
    """A file name as it can be printed: bytes that are not UTF-8 written as `\\xNN` escapes."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _unusable(path: Path, root: Path) -> str | None:
    """Why the entry at `path` cannot be read as an article, or None."""
    try:
        path.as_posix().encode("utf-8")
    except UnicodeEncodeError:
        return "its name is not valid UTF-8 (rename the file)"
    try:
        real = path.resolve(strict=path.is_symlink())
    except (OSError, RuntimeError) as error:  # RuntimeError: a symbolic link that points back at itself
        return f"it cannot be followed ({error})"
    if not real.is_relative_to(root):
        return "it points outside the articles folder"
    return None


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
