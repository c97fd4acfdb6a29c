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
    ) -> None:
        """`readers` are those questions may name (default: the built-in ones); see `ReaderChoices`."""
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

    def start(self) -> None:
        """Begin loading the models and indexing the articles, without waiting."""
        threading.Thread(target=self._load, name="qa-load", daemon=True).start()

    def _load(self) -> None:
        try:
            from qa.ask.bot import Bot

            self._bots[None] = Bot(self._articles, self._index_dir, top_k=self._top_k)
        except Exception as error:  # shown on the page and raised to every question: the app cannot answer
            logger.exception("The bot could not start.")
            self.failure = error
        self._ready.set()
        if self.failure is None:
            self._find_examples()
        self._examples_found.set()

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

        :raises qa.errors.ReaderModelError: if `reader` is not one of `readers` (before waiting for anything), or
            cannot be loaded.
        :raises Exception: whatever stopped the first load (shown to the user).
        """
        reader = self.readers.reader(reader)
        self._ready.wait()
        if self.failure is not None:
            raise self.failure
        with self._bots_lock:
            if reader not in self._bots:
                from qa.ask.bot import Bot

                default = self._bots[None]
                self._bots[reader] = Bot(default.articles, default.index.directory, top_k=self._top_k, reader=reader)
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
        return f"Ready: {report.articles} articles, {report.passages} passages indexed."

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

    def _index(self, added: Added) -> Update:
        """Bring every bot's index up to date with the folder; on failure take the saved files back."""
        update = Update(added)
        if not added.saved:
            return update
        with self._write_lock:
            default = self._bots[None]
            before = set(default.index.articles)
            try:
                update.report = default.refresh()
                with self._bots_lock:
                    for model, bot in self._bots.items():
                        if model is not None:
                            bot.refresh(progress_bar=False)
            except Exception as error:
                remove(default.articles, added.saved)
                raise ArticleError(f"Indexing the new articles failed, nothing was added: {error}") from error
            new = [article_id for article_id in default.index.articles if article_id not in before]
            from qa.app.examples import example_questions

            update.examples = example_questions(default, new)
            self.examples = (update.examples + self.examples)[:MAX_EXAMPLES]
        return update
