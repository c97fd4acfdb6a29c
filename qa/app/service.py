"""One bot shared by every chat session: loaded once in the background, kept up to date as articles are added.

The chat page must come up at once even when the first start has a large folder to index, so loading runs in a
thread and questions asked meanwhile wait for it. Models are loaded once; another reader (one a user picks in the
settings, among the `ReaderChoices` the app was started with) gets its own `Bot` over the same index directory.
Adding articles takes a lock, so two uploads never index at the same time, while questions keep being answered from
the index as it was. While articles are indexed, `ChatService.progress` says how far it got (`qa.index.progress`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from qa.app.citations import literal
from qa.app.feedback import FeedbackLog
from qa.app.readers import ReaderChoices
from qa.ask.language import identifier, language_note, question_language
from qa.config import DEFAULT_TOP_K
from qa.errors import ArticleError
from qa.index.progress import IndexProgress, count
from qa.ingest.article import Skipped, source_file
from qa.ingest.uploads import Added, add_files, add_text, remove

if TYPE_CHECKING:  # the heavy modules (torch, Haystack, spaCy) load in the background thread, not on import
    from qa.app.examples import ExampleFinder
    from qa.ask.bot import Bot
    from qa.ask.followup.turns import Turn
    from qa.ask.result import Passage, Result
    from qa.index.report import IndexReport
    from qa.index.watch import FolderWatcher

logger = logging.getLogger(__name__)

# The examples offered on the page at most; newly added articles' examples come first.
MAX_EXAMPLES = 6
# The examples an upload offers at most, from the new articles.
UPLOAD_EXAMPLES = 3
# The files an upload's summary names of each kind (added, skipped, refused), at most, so that it stays one line
# even for an upload of hundreds.
MAX_NAMED = 5


@dataclass
class Update:
    """What adding articles did: the files saved, those refused and why, and the index's report.

    :param indexed: the saved files that have articles in the index now, with how many (indexed by this update,
        or by the folder watcher's, which may see the files first); a copy of an indexed article is not.
    """

    added: Added
    report: IndexReport | None = None
    examples: list[str] = field(default_factory=list)
    indexed: dict[str, int] = field(default_factory=dict)

    def messages(self) -> list[str]:
        """For the user (Markdown): the `summary`, and then the questions the new articles answer, if any."""
        lines = [self.summary()]
        if self.examples:
            asked = "; ".join(f"*{literal(example)}*" for example in self.examples)
            lines.append(f"You can now ask, for example: {asked}")
        return lines

    def summary(self) -> str:
        """One line however many files were uploaded: "Added 3 articles: **uploads/a.txt**, **uploads/b.jsonl**;
        1 duplicate skipped: **uploads/c.txt** (it has the same text as c.txt); 1 file refused: **d.txt** (it is
        empty)."

        Up to `MAX_NAMED` files of each kind are named. File names and reasons come from the files, so they are
        `literal`: shown as they are.
        """
        articles = sum(self.indexed.values())
        files = _named([f"**{literal(path)}**" for path in self.indexed])
        parts = [f"Added {count(articles, 'article')}: {files}" if articles else "Nothing added"]
        saved = set(self.added.saved)
        skipped = [skip for skip in self.report.skipped if source_file(skip.path) in saved] if self.report else []
        duplicates = [skip for skip in skipped if skip.duplicate_of is not None]
        if duplicates:
            parts.append(f"{count(len(duplicates), 'duplicate')} skipped: {_named(_reasons(duplicates))}")
        unreadable = [skip for skip in skipped if skip.duplicate_of is None]
        if unreadable:
            parts.append(f"{len(unreadable):,} not indexed: {_named(_reasons(unreadable))}")
        if self.added.refused:
            refused = _named(_reasons(self.added.refused))
            parts.append(f"{count(len(self.added.refused), 'file')} refused: {refused}")
        return "; ".join(parts) + "."


class ChatService:
    """The bots behind the chat, shared by all sessions and safe to call from several threads.

    Usage example::

        service = ChatService(articles=None, index_dir="index")
        service.start()                      # loads in the background
        result = service.ask("What did Sung Kim say?")
    """

    def __init__(
        self,
        articles: Path | None,
        index_dir: Path,
        top_k: int = DEFAULT_TOP_K,
        readers: ReaderChoices | None = None,
        watch: bool = False,
    ) -> None:
        """`readers` are those questions may name (default: the built-in ones); see `ReaderChoices`. With `watch`,
        files added to, changed in or removed from the folder are indexed as they appear (`qa.index.watch`)."""
        self.readers = readers or ReaderChoices()
        self._articles = articles
        self._index_dir = index_dir
        self._top_k = top_k
        self._bots: dict[str | None, Bot] = {}
        self._ready = threading.Event()
        self._examples_found = threading.Event()
        self.failure: Exception | None = None  # what stopped the first load, if anything
        self._bots_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self.examples: list[str] = []
        self._finder: ExampleFinder | None = None  # made once the bot is loaded
        self._watch = watch
        self._watcher: FolderWatcher | None = None
        self.version = 0  # counts the updates that changed the index, so that an open page knows to show them
        self.changed: str | None = None  # the latest such update, for the page
        self._progress: tuple[IndexProgress, float] | None = None  # the latest report, and when it came
        self.feedback = FeedbackLog(index_dir)  # 👍/👎 from every session, replayed by `qa eval`

    def start(self) -> None:
        """Begin loading the models and indexing the articles, without waiting."""
        threading.Thread(target=self._load, name="qa-load", daemon=True).start()

    def _load(self) -> None:
        try:
            from qa.ask.bot import Bot

            if self._watch:  # before the first indexing, so that a file added during it is not missed
                self._start_watching()
            self._bots[None] = Bot(self._articles, self._index_dir, top_k=self._top_k, on_progress=self._progressed)
        except Exception as error:  # shown on the page and raised to every question: the app cannot answer
            logger.exception("The bot could not start.")
            self.failure = error
        self._ready.set()
        self._progress = None  # after "Ready", so that the status never goes back to "Loading the models…"
        if self.failure is None:
            identifier()  # the language guess of `language_note`, loaded before the first decline needs it
            self._find_examples()
        self._examples_found.set()

    def _start_watching(self) -> None:
        from qa.index.folder import articles_folder
        from qa.index.watch import FolderWatcher

        folder = articles_folder(self._articles, self._index_dir)
        try:
            self._watcher = FolderWatcher(folder, self._folder_changed, ignore=self._index_dir).start()
        except OSError as error:  # the app still answers; only new files wait for an upload or a restart
            logger.warning("Cannot watch %s for new articles: %s", folder, error)

    def _folder_changed(self) -> None:
        """Index what changed in the folder, once the first load is done (which may have seen some of it)."""
        self._ready.wait()
        if self.failure is None:
            self.refresh()

    def stop(self) -> None:
        """Stop watching the folder (the bots keep answering)."""
        if self._watcher is not None:
            self._watcher.stop()

    def _find_examples(self) -> None:
        """The page's first examples, found once the bot answers: each is a question asked of the bot, so finding
        them must not delay "Ready", and stops at `MAX_EXAMPLES` rather than visiting every article."""
        from qa.app.examples import ExampleFinder

        self._finder = ExampleFinder(self._bots[None])
        try:
            self.examples = self._finder.find(MAX_EXAMPLES)
        except Exception:  # examples are a nicety: the chat answers without them
            logger.exception("Could not find example questions.")

    def _progressed(self, progress: IndexProgress) -> None:
        self._progress = progress, time.monotonic()

    @property
    def progress(self) -> IndexProgress | None:
        """How far the indexing under way has got: the first load's, an upload's or the watched folder's; None when
        nothing is being indexed (nor before the first file of an indexing is read).

        Its time so far counts on between reports (`IndexProgress.after`). For a page to poll while `add_files` or
        `add_text` runs in another thread, e.g. every half second::

            progress = service.progress
            if progress is not None:
                bar(progress.fraction, desc=progress.line())  # a gr.Progress: 0 to 1, and one line in words
        """
        latest = self._progress
        if latest is None:
            return None
        progress, reported = latest
        return progress.after(time.monotonic() - reported)

    @property
    def examples_found(self) -> bool:
        """Whether the search for the first examples is over (`examples` may still be empty)."""
        return self._examples_found.is_set()

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    @property
    def folder(self) -> Path:
        """The articles folder (known once loaded)."""
        return self.bot().articles

    def bot(self, reader: str | None = None) -> Bot:
        """The bot reading with `reader` (a name among `readers`; None: the default), once the first load is done.

        A bot already made is returned at once, even while another reader's bot is being made or articles indexed.

        :raises qa.errors.ReaderModelError: if `reader` is not one of `readers` (before waiting for anything), or
            cannot be loaded.
        :raises Exception: whatever stopped the first load (shown to the user).
        """
        reader = self.readers.reader(reader)
        self._ready.wait()
        if self.failure is not None:
            raise self.failure
        bot = self._bots.get(reader)
        if bot is not None:
            return bot
        with self._bots_lock:  # made once: two tabs asking for it at once get the same bot
            if reader not in self._bots:
                self._bots[reader] = self._bots[None].with_reader(reader)
            return self._bots[reader]

    def ask(
        self,
        question: str,
        history: list[Turn] | None = None,
        top_k: int | None = None,
        reader: str | None = None,
    ) -> Result:
        """Answer `question` in the context of `history`; see `Bot.ask`."""
        return self.bot(reader).ask(question, history or (), top_k=top_k)

    @staticmethod
    def language_note(question: str) -> str | None:
        """Why a declined `question` may have been declined: it is not in English (see `qa.ask.language`)."""
        language = question_language(question)
        return language_note(language) if language is not None else None

    def status(self) -> str:
        """One line for the page: loading (how far the indexing got, if the articles need it), ready (with what is
        indexed, and what was skipped), or why it could not start.

        E.g. "Indexing: 120 of 300 files read, 1,450 of about 3,825 passages embedded; 48 s so far, about 1 min 20 s
        left.", then "Ready: 300 articles, 3,412 passages indexed (2 duplicates skipped)."
        """
        if not self.ready:
            progress = self.progress
            if progress is None:
                return "Loading the models…"
            return f"{progress.line()} Loading the models…" if progress.done else progress.line()
        if self.failure is not None:
            return f"The bot could not start: {self.failure}"
        report = self._bots[None].report
        indexed = f"{count(report.articles, 'article')}, {count(report.passages, 'passage')} indexed"
        ready = f"Ready: {indexed}{_skips(report.skipped)}."
        return f"{ready} {self.changed}" if self.changed else ready

    def articles(self) -> list[tuple[str, str, int]]:
        """The indexed articles, by file: title, file (in the articles folder), passages."""
        rows = [(info["title"], info["source"], info["passages"]) for info in self.bot().index.articles.values()]
        return sorted(rows, key=lambda row: row[1])

    def passage(self, article_id: str, number: int) -> Passage | None:
        """See `Bot.passage`."""
        return self.bot().passage(article_id, number)

    def add_files(self, uploads: list[tuple[Path, str]]) -> Update:
        """Check, save and index uploaded files; refused ones leave the folder and the index as they were."""
        return self._index(add_files(self.folder, uploads))

    def add_text(self, title: str, text: str) -> Update:
        """Save and index a pasted article.

        :raises ArticleError: if the title or text is empty or too large.
        """
        return self._index(Added(saved=[add_text(self.folder, title, text)]))

    def refresh(self, progress_bar: bool = False) -> IndexReport:
        """Bring every bot up to date with the folder (only what changed is embedded); questions asked meanwhile are
        answered from the index as it was, by whichever reader they name.

        :param progress_bar: show indexing progress (an upload's, which the page follows through tqdm).
        """
        with self._write_lock:
            default = self._bots[None]
            try:
                report = default.refresh(progress_bar=progress_bar, on_progress=self._progressed)
            finally:
                self._progress = None
            with self._bots_lock:  # a bot made from now on starts from the new index
                others = [bot for reader, bot in self._bots.items() if reader is not None]
            for bot in others:
                bot.use(default.index, report)
            if report.changed:
                self.changed = f"Updated at {time.strftime('%H:%M:%S')}: {_changes(report)}."
                self.version += 1
        return report

    def _index(self, added: Added) -> Update:
        """Bring every bot's index up to date with the folder; on failure take the saved files back."""
        update = Update(added)
        if not added.saved:
            return update
        default = self._bots[None]
        before = set(default.index.articles)
        try:
            update.report = self.refresh(progress_bar=True)
        except Exception as error:
            remove(default.articles, added.saved)
            raise ArticleError(f"Indexing the new articles failed, nothing was added: {error}") from error
        articles = self._bots[None].index.articles
        new = [article_id for article_id in articles if article_id not in before]
        per_file = Counter(source_file(info["source"]) for info in articles.values())
        update.indexed = {path: per_file[path] for path in added.saved if per_file[path]}
        if self._finder is not None:
            update.examples = self._finder.for_articles(new, UPLOAD_EXAMPLES)
        self.examples = (update.examples + self.examples)[:MAX_EXAMPLES]
        return update


def _changes(report: IndexReport) -> str:
    """What an update did, in words: "1 added, 1 removed; now 301 articles"."""
    done = [
        f"{count} {what}"
        for count, what in ((report.added, "added"), (report.updated, "updated"), (report.removed, "removed"))
        if count
    ]
    return f"{', '.join(done) or report.rebuilt_because}; now {count(report.articles, 'article')}"


def _named(items: list[str]) -> str:
    """The first `MAX_NAMED` of `items`, and how many more: "**a.txt**, **b.txt** and 3 more"."""
    shown = ", ".join(items[:MAX_NAMED])
    more = len(items) - MAX_NAMED
    return f"{shown} and {more} more" if more > 0 else shown


def _reasons(skipped: list[Skipped]) -> list[str]:
    """Each skip with its reason, `literal`: "**scan.txt** (it looks like a binary file, not text)"."""
    return [f"**{literal(skip.path)}** ({literal(skip.reason)})" for skip in skipped]


def _skips(skipped: list[Skipped]) -> str:
    """What the index left out, for the status: " (2 duplicates skipped, 1 file or record unreadable)", or ""."""
    copies = sum(skip.duplicate_of is not None for skip in skipped)
    unreadable = len(skipped) - copies
    said = [f"{count(copies, 'duplicate')} skipped"] if copies else []
    if unreadable:
        said.append(f"{unreadable:,} {'file or record' if unreadable == 1 else 'files or records'} unreadable")
    return f" ({', '.join(said)})" if said else ""
