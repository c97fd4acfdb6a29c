"""How far an indexing has got, for a person waiting on it: files read, passages embedded, time spent and left.

A first indexing of a few hundred articles takes minutes, and a page that only says "loading" for that long looks
stuck. `qa.index.build.Builder` reports an `IndexProgress` after each file it reads and each batch of passages it
embeds; the chat shows its `line()` and a bar at its `fraction`.

The total number of passages is not known until every file is read, so until then it is an estimate: the passages
found so far, scaled by the share of the folder's bytes read. The time left is likewise an estimate, from the bytes
finished (read, and their passages embedded) and the rate so far.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class IndexProgress:
    """A snapshot of an indexing under way.

    Usage example::

        progress = IndexProgress(files_read=120, files_total=300, articles=118, passages_embedded=1450,
                                 passages_found=1530, bytes_read=520_000, bytes_done=480_000, bytes_total=1_300_000,
                                 seconds=48.0)
        progress.line()  # "Indexing: 120 of 300 files read (118 articles), 1,450 of about 3,825 passages embedded;
                         #  48 s so far, about 1 min 20 s left."

    :param files_read: files read so far, of `files_total`.
    :param articles: articles kept so far (a `.jsonl` or `.csv` file holds several; copies are not counted).
    :param passages_embedded: passages embedded so far, of `passages_found`.
    :param passages_found: passages to embed found so far: those of new or changed articles read and split.
    :param bytes_read: bytes of the files read so far, of `bytes_total`.
    :param bytes_done: bytes of the files read whose passages are all embedded: finished work.
    :param seconds: time since the indexing began.
    """

    files_read: int
    files_total: int
    articles: int
    passages_embedded: int
    passages_found: int
    bytes_read: int
    bytes_done: int
    bytes_total: int
    seconds: float

    @property
    def done(self) -> bool:
        """Every file read and every passage found embedded."""
        return self.files_read == self.files_total and self.passages_embedded == self.passages_found

    @property
    def passages_expected(self) -> int:
        """The passages there will be to embed: exact once every file is read, an estimate before."""
        if self.files_read == self.files_total or not self.bytes_read:
            return self.passages_found
        return max(self.passages_found, round(self.passages_found * self.bytes_total / self.bytes_read))

    @property
    def seconds_left(self) -> float | None:
        """An estimate of the time left, from the rate at which bytes were finished; None before any was."""
        if self.done:
            return 0.0
        if not self.bytes_done or not self.seconds:
            return None
        return (self.bytes_total - self.bytes_done) * self.seconds / self.bytes_done

    @property
    def fraction(self) -> float:
        """The share of the work finished, from 0 to 1, for a progress bar."""
        if self.done:
            return 1.0
        return self.bytes_done / self.bytes_total if self.bytes_total else 0.0

    def after(self, seconds: float) -> IndexProgress:
        """This progress as it stands `seconds` later, nothing more having been reported: more time spent, and the
        time left estimated from that (a finished one stays as it is).

        So that a page polling between reports does not look stuck: the first chunk of passages waits for the
        embedding model to load, a few seconds with no report.
        """
        return self if self.done else replace(self, seconds=self.seconds + seconds)

    def line(self) -> str:
        """One plain line: "Indexing: 120 of 300 files read, 1,450 of about 3,825 passages embedded; 48 s so far,
        about 1 min 20 s left." (once done: "Read 300 files and embedded 3,412 passages in 1 min 52 s.")."""
        articles = f" ({count(self.articles, 'article')})" if self.articles != self.files_read else ""
        if self.done:
            embedded = count(self.passages_found, "passage")
            files = count(self.files_total, "file")
            return f"Read {files}{articles} and embedded {embedded} in {_span(self.seconds)}."
        read = f"{self.files_read:,} of {count(self.files_total, 'file')} read{articles}"
        if self.passages_found:
            about = "" if self.files_read == self.files_total else "about "
            expected = count(self.passages_expected, "passage")
            read += f", {self.passages_embedded:,} of {about}{expected} embedded"
        left = self.seconds_left
        later = f", {_left(left)}" if left is not None else ""
        return f"Indexing: {read}; {_span(self.seconds)} so far{later}."


OnProgress = Callable[[IndexProgress], None]
"""What `Builder`, `Index.open` and `Bot` call with each new `IndexProgress`."""


def count(number: int, noun: str) -> str:
    """A number of things, in words: "1 article", "2 articles", "3,412 passages"."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _span(seconds: float) -> str:
    """A time spent, in words: "48 s", "1 min 52 s", "2 min"."""
    whole = round(seconds)
    minutes, rest = divmod(whole, 60)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


def _left(seconds: float) -> str:
    """An estimated time left, no more precise than it can be: "about 40 s left", "about 3 min left"."""
    if seconds < 10:
        return "a few seconds left"
    if seconds < 120:
        return f"about {_span(round(seconds / 10) * 10)} left"
    return f"about {round(seconds / 60)} min left"
