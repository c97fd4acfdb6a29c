"""Noticing that the articles folder changed, so that a running app or `qa index --watch` indexes it at once.

People keep dropping articles into the folder. A `FolderWatcher` is told by the operating system (watchdog: inotify
on Linux, FSEvents on macOS) when a file there is created, written, moved or deleted, waits until the folder has
been quiet for a moment (a copy of 300 files is one update, not 300), and then calls back once; the callback
re-opens the index, which embeds only what changed and leaves questions answered from the previous index meanwhile.
Where the system cannot watch (a network file system, inotify's limit reached) it polls the folder instead.

Reading a file is no change: indexing opens every article it reads, and watching those events would re-index
for ever. Changes inside the index directory are ignored for the same reason, if it lies in the folder.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

logger = logging.getLogger(__name__)

# What counts as a change: a file written and closed, created, moved, deleted, or its content modified.
CHANGES = frozenset({"created", "modified", "moved", "deleted", "closed"})
# The quiet time after the last change before the folder is indexed: long enough for a copy of many files to end.
SETTLE_SECONDS = 1.0
# How often a polling watcher looks at the folder (it reads every file's size and time, not the files).
POLL_SECONDS = 2.0


class FolderWatcher:
    """Calls `on_change` (in its own thread) after files in `folder` change, once per burst of changes.

    Usage example::

        with FolderWatcher(Path("articles"), on_change=lambda: Index.open("articles", "index")):
            ...  # files added, changed or removed meanwhile are indexed within a couple of seconds
    """

    def __init__(
        self,
        folder: Path,
        on_change: Callable[[], object],
        ignore: Path | None = None,
        settle: float = SETTLE_SECONDS,
        polling: bool = False,
    ) -> None:
        """:param ignore: a directory whose changes do not count (the index's own, inside the folder).
        :param polling: look at the folder every `POLL_SECONDS` instead of being told by the system.
        """
        self.folder = folder.resolve()
        self._on_change = on_change
        self._ignore = ignore.resolve() if ignore is not None else None
        self._settle = settle
        self._polling = polling
        self._changed = threading.Event()
        self._stopping = threading.Event()
        self._last_change = 0.0
        self._observer: BaseObserver | None = None
        self._worker = threading.Thread(target=self._work, name="qa-watch", daemon=True)

    def start(self) -> FolderWatcher:
        """Begin watching (falling back to polling if the system will not watch the folder)."""
        self._observer = self._observe(PollingObserver(timeout=POLL_SECONDS) if self._polling else Observer())
        self._worker.start()
        return self

    def stop(self) -> None:
        """Stop watching; a callback already running finishes first."""
        self._stopping.set()
        self._changed.set()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join()
        if self._worker.is_alive():
            self._worker.join()

    def __enter__(self) -> FolderWatcher:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def _observe(self, observer: BaseObserver) -> BaseObserver:
        handler = _Handler(self._noticed)
        observer.schedule(handler, str(self.folder), recursive=True)
        try:
            observer.start()
        except OSError as error:  # e.g. inotify's watch limit: polling still works
            if isinstance(observer, PollingObserver):
                raise
            logger.warning(
                "Cannot watch %s (%s); looking at it every %.0f s instead.", self.folder, error, POLL_SECONDS
            )
            return self._observe(PollingObserver(timeout=POLL_SECONDS))
        return observer

    def _noticed(self, event: FileSystemEvent) -> None:
        if event.event_type not in CHANGES or (event.is_directory and event.event_type == "modified"):
            return  # reads, and a folder's own time changing as its files do
        paths = [event.src_path, getattr(event, "dest_path", "") or event.src_path]
        if self._ignore is not None and all(self._inside_ignored(str(path)) for path in paths):
            return
        self._last_change = time.monotonic()
        self._changed.set()

    def _inside_ignored(self, path: str) -> bool:
        assert self._ignore is not None
        return Path(path).resolve().is_relative_to(self._ignore)

    def _work(self) -> None:
        """Wait for a change, then for the folder to settle, then call back; changes during the call count anew."""
        while self._changed.wait() and not self._stopping.is_set():
            while (quiet := time.monotonic() - self._last_change) < self._settle:
                if self._stopping.wait(self._settle - quiet):
                    return
            self._changed.clear()
            try:
                self._on_change()
            except Exception:  # one failed update (a file half-written, a full disk) must not end the watching
                logger.exception("Indexing the changes in %s failed; will try again at the next change.", self.folder)


class _Handler(FileSystemEventHandler):
    """Passes every event of the observer to one function."""

    def __init__(self, noticed: Callable[[FileSystemEvent], None]) -> None:
        self._noticed = noticed

    def on_any_event(self, event: FileSystemEvent) -> None:
        self._noticed(event)
