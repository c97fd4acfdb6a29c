"""One bot shared by every chat session: loaded once in the background, kept up to date as articles are added.

The chat page must come up at once even when the first start has a large folder to index, so loading runs in a
thread and questions asked meanwhile wait for it. Models are loaded once; another reader (one a user picks in the
settings, among the `ReaderChoices` the app was started with) gets its own `Bot` over the same index directory.
Adding articles takes a lock, so two uploads never index at the same time, while questions keep being answered from
the index as it was.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from qa.app.citations import literal
from qa.app.readers import ReaderChoices
from qa.config import DEFAULT_TOP_K
from qa.errors import ArticleError
from qa.ingest.uploads import Added, add_files, add_text, remove

if TYPE_CHECKING:  # the heavy modules (torch, Haystack, spaCy) load in the background thread, not on import
    from qa.ask.bot import Bot
    from qa.ask.followup.turns import Turn
    from qa.ask.result import Passage, Result
    from qa.index.report import IndexReport
    from qa.index.watch import FolderWatcher

logger = logging.getLogger(__name__)

# The examples offered on the page at most; newly added articles' examples come first.
MAX_EXAMPLES = 6


@dataclass
class Update:
    """What adding articles did: the files saved, those refused and why, and the index's report."""

    added: Added
    report: IndexReport | None = None
    examples: list[str] = field(default_factory=list)

    def messages(self) -> list[str]:
        """One line per file for the user (Markdown): added, saved but not indexed (a copy), or refused and why.

        File names, reasons and example questions come from the files, so they are `literal`: shown as they are.
        """
        skipped = {skip.path: literal(skip.reason) for skip in self.report.skipped} if self.report is not None else {}
        lines = [
            f"Saved **{literal(path)}** but not indexed: {skipped[path]}."
            if path in skipped
            else f"Added **{literal(path)}**."
            for path in self.added.saved
        ]
        lines += [f"Not added **{literal(skip.path)}**: {literal(skip.reason)}." for skip in self.added.refused]
        if self.report is not None:
            lines.append(literal(self.report.summary()))
        if self.examples:
            asked = "; ".join(f"*{literal(example)}*" for example in self.examples)
            lines.append(f"You can now ask, for example: {asked}")
        return lines


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
        self._watch = watch
        self._watcher: FolderWatcher | None = None
        self.version = 0  # counts the updates that changed the index, so that an open page knows to show them
        self.changed: str | None = None  # the latest such update, for the page

    def start(self) -> None:
        """Begin loading the models and indexing the articles, without waiting."""
        threading.Thread(target=self._load, name="qa-load", daemon=True).start()

    def _load(self) -> None:
        try:
            from qa.ask.bot import Bot

            if self._watch:  # before the first indexing, so that a file added during it is not missed
                self._start_watching()
            self._bots[None] = Bot(self._articles, self._index_dir, top_k=self._top_k)
        except Exception as error:  # shown on the page and raised to every question: the app cannot answer
            logger.exception("The bot could not start.")
            self.failure = error
        self._ready.set()
        if self.failure is None:
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
        from qa.app.examples import example_questions

        bot = self._bots[None]
        try:
            self.examples = example_questions(bot, bot.index.articles, limit=MAX_EXAMPLES)
        except Exception:  # examples are a nicety: the chat answers without them
            logger.exception("Could not find example questions.")

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

    def status(self) -> str:
        """One line for the page: loading, ready (with what is indexed), or why it could not start."""
        if not self.ready:
            return "Loading the models and indexing the articles…"
        if self.failure is not None:
            return f"The bot could not start: {self.failure}"
        report = self._bots[None].report
        ready = f"Ready: {_count(report.articles, 'article')}, {_count(report.passages, 'passage')} indexed."
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
            report = default.refresh(progress_bar=progress_bar)
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
        new = [article_id for article_id in self._bots[None].index.articles if article_id not in before]
        from qa.app.examples import example_questions

        update.examples = example_questions(self._bots[None], new)
        self.examples = (update.examples + self.examples)[:MAX_EXAMPLES]
        return update


def _changes(report: IndexReport) -> str:
    """What an update did, in words: "1 added, 1 removed; now 301 articles"."""
    done = [
        f"{count} {what}"
        for count, what in ((report.added, "added"), (report.updated, "updated"), (report.removed, "removed"))
        if count
    ]
    return f"{', '.join(done) or report.rebuilt_because}; now {_count(report.articles, 'article')}"


def _count(number: int, noun: str) -> str:
    """ "1 article", "2 articles"."""
    return f"{number} {noun}{'' if number == 1 else 's'}"
