"""Example questions that the indexed articles answer, to show a newcomer what to ask: a handful, of several kinds.

Candidates come from each article's opening (`qa.app.candidates`: quotes, people, organisations, things, figures)
and are asked of the bot before they are offered. One is kept only when the bot answers it confidently (at least
"likely", as the chat words it), from the article it was made from, with an answer of the kind asked for; so
clicking an example never ends in "the articles do not answer this", nor in an answer from elsewhere.

What was asked is cached beside the index (`examples.json`), by each article's content hash: a restart with
nothing changed asks nothing, and an added or changed article is the only one asked about. The search stops once
it has a varied handful, and asks at most `MAX_ASKS` questions per call, so it never visits every article of a
large folder; it runs in the background while users ask questions of the same bot.

Usage example::

    finder = ExampleFinder(bot)
    finder.find(6)                      # ["What did Sung Kim say?", ...]
    finder.for_articles(new_ids, 3)     # after an upload: examples of the new articles
"""

from __future__ import annotations

import json
import logging
import math
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from qa import config
from qa.app.candidates import KINDS, Candidate, candidates, fits
from qa.app.citations import CONFIDENCE
from qa.ask.bot import Bot
from qa.errors import QuestionError
from qa.index.disk import write_atomically
from qa.nlp import SPACY_LOCK, load_spacy

logger = logging.getLogger(__name__)

CACHE = "examples.json"
CACHE_VERSION = 1
# An example's best answer scores at least what the chat calls "likely".
MIN_SCORE = dict((word, floor) for floor, word in CONFIDENCE)["likely"]
# Passages read per example wanted of an article: the opening of a news article names who and what matters; an
# article asked for several examples (a folder of few articles, an upload) is read further.
OPENING_PASSAGES = 3
# Questions asked per call at most (each is a retrieval and a read: ~0.1-1 s on a laptop's CPU), and per example
# wanted of one article: about one candidate in five is answered confidently from its own article.
MAX_ASKS = 60
ASKS_PER_EXAMPLE = 3
# The most examples taken from one article, when there are fewer articles than examples wanted.
MAX_PER_ARTICLE = 3
# A handful is varied enough once no kind is more of it than in a round of this many kinds.
MIN_KINDS = 3


@dataclass(frozen=True)
class Example:
    """A question the bot answered confidently from `article_id`, the article it was made from."""

    question: str
    kind: str
    article_id: str
    score: float


class ExampleFinder:
    """Finds, caches and picks the example questions of a bot's index; safe to call from several threads.

    :param index_dir: where the cache is kept; by default the bot's index directory.
    :param max_asks: the most questions one call asks of the bot.

    Usage example::

        finder = ExampleFinder(bot)
        finder.find(6)           # a handful, at most one per article, varied in kind
        finder.asked             # the candidate questions asked so far (0 on a restart with nothing changed)
    """

    def __init__(self, bot: Bot, index_dir: str | Path | None = None, max_asks: int = MAX_ASKS) -> None:
        if max_asks < 0:
            raise ValueError(f"max_asks must be 0 or more, not {max_asks}.")
        self.bot = bot
        self.path = Path(index_dir if index_dir is not None else bot.index.directory) / CACHE
        self.max_asks = max_asks
        self.asked = 0
        self._lock = threading.Lock()
        self._cache: dict[str, Any] | None = None

    def find(self, limit: int) -> list[str]:
        """Up to `limit` examples over the whole index: one per article (more only when it has fewer articles),
        varied in kind. A call that finds too few searches no further on the same index: a restart asks nothing."""
        index = self.bot.index
        generation = index.manifest.get("generation")
        with self._lock:
            settled = self._load().get("settled", {})
        if settled.get("generation") == generation and settled.get("limit", 0) >= limit:
            return self._pick(sorted(index.articles), limit, search=False)
        picked = self._pick(sorted(index.articles), limit)
        with self._lock:
            self._load()["settled"] = {"generation": generation, "limit": limit}
            self._save()
        return picked

    def for_articles(self, article_ids: Iterable[str], limit: int) -> list[str]:
        """Up to `limit` examples of `article_ids` (newly added articles, say), in that order, varied in kind."""
        known = self.bot.index.articles
        return self._pick([article_id for article_id in article_ids if article_id in known], limit)

    def _pick(self, article_ids: list[str], limit: int, search: bool = True) -> list[str]:
        """Visit `article_ids` in order, from the cache and (with `search`, up to `max_asks` questions) the bot,
        until the examples found make a varied handful of `limit`; then pick it (`select`)."""
        per_article = min(MAX_PER_ARTICLE, math.ceil(limit / len(article_ids))) if article_ids and limit > 0 else 0
        found: list[Example] = []
        budget = self.max_asks if search else 0
        for article_id in article_ids:
            if _varied(select(found, limit, per_article), limit):
                break
            examples, spent = self._article(article_id, per_article, budget, Counter(e.kind for e in found))
            budget -= spent
            found += examples[:per_article]
        return [example.question for example in select(found, limit, per_article)]

    def _article(self, article_id: str, wanted: int, budget: int, kinds: Counter[str]) -> tuple[list[Example], int]:
        """The examples of one article, asking (at most `budget` questions, rarest kinds in `kinds` first) only
        when the cache holds fewer than `wanted` and some candidates were never asked; and the questions asked."""
        article_hash = self.bot.index.articles[article_id].get("hash")
        with self._lock:
            entry = self._entry(article_id, article_hash)
        found = [Example(**example) for example in entry["found"]]
        passages = min(self.bot.index.articles[article_id].get("passages", 0), OPENING_PASSAGES * wanted)
        if len(found) >= wanted or entry["read"] >= passages or budget <= 0:
            return found, 0
        asked = set(entry["asked"])
        untried = [candidate for candidate in self._candidates(article_id, passages) if candidate.question not in asked]
        untried.sort(key=lambda candidate: kinds[candidate.kind] + sum(e.kind == candidate.kind for e in found))
        spent = 0
        for candidate in untried[: min(budget, ASKS_PER_EXAMPLE * wanted)]:
            spent += 1
            example = self._try(candidate, article_id)
            entry["asked"].append(candidate.question)
            if example is not None:
                found.append(example)
                entry["found"].append(asdict(example))
                if len(found) >= wanted:
                    break
        if len(entry["asked"]) >= len(asked) + len(untried):  # every candidate of those passages was asked
            entry["read"] = passages
        with self._lock:
            self._load()["articles"][article_id] = entry
            self._save()
        return found, spent

    def _candidates(self, article_id: str, passages: int) -> list[Candidate]:
        """The candidates of an article's first `passages` passages."""
        texts = [self.bot.index.document(f"{article_id}-{number}").content or "" for number in range(1, passages + 1)]
        with SPACY_LOCK:
            docs = list(load_spacy().pipe(texts))
            return candidates(docs)

    def _try(self, candidate: Candidate, article_id: str) -> Example | None:
        """`candidate` as an example, if the bot answers it confidently, from `article_id`, with a fitting answer."""
        self.asked += 1
        try:
            result = self.bot.ask(candidate.question)
        except QuestionError:
            return None
        if result.no_answer or not result.answers:
            return None
        best = result.answers[0]
        if best.score < MIN_SCORE or best.article_id != article_id or not fits(candidate, best.text):
            return None
        return Example(candidate.question, candidate.kind, article_id, best.score)

    def _entry(self, article_id: str, article_hash: str | None) -> dict[str, Any]:
        """The cache's record of one article (a copy), or a fresh one if it is missing or the article changed."""
        entry = self._load()["articles"].get(article_id)
        if not isinstance(entry, dict) or entry.get("hash") != article_hash:
            return {"hash": article_hash, "asked": [], "found": [], "read": 0}
        return json.loads(json.dumps(entry))

    def _key(self) -> dict[str, Any]:
        """What the cached verdicts depend on besides the articles: the reader and how many passages it reads."""
        return {"version": CACHE_VERSION, "reader": self.bot.reader or config.DEFAULT_READER, "top_k": self.bot.top_k}

    def _load(self) -> dict[str, Any]:
        """The cache (held in memory once read); an unreadable or outdated file counts as none. Hold `_lock`."""
        if self._cache is None:
            cache: Any = None
            try:
                cache = json.loads(self.path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                pass
            except (OSError, ValueError) as error:
                logger.warning("Ignoring the example cache %s: %s", self.path, error)
            valid = (
                isinstance(cache, dict) and cache.get("key") == self._key() and isinstance(cache.get("articles"), dict)
            )
            self._cache = cache if valid else {"key": self._key(), "articles": {}}
        return self._cache

    def _save(self) -> None:
        """Write the cache, without the articles no longer indexed. Hold `_lock`; a failure only costs a restart
        the asking again."""
        cache = self._load()
        known = self.bot.index.articles
        cache["articles"] = {key: entry for key, entry in cache["articles"].items() if key in known}
        try:
            write_atomically(self.path, json.dumps(cache, indent=1, ensure_ascii=False))
        except OSError as error:
            logger.warning("Could not save the example questions in %s: %s", self.path, error)


def select(examples: Sequence[Example], limit: int, per_article: int = 1) -> list[Example]:
    """Up to `limit` of `examples`, spread over articles first (at most `per_article` from one), then over kinds,
    then in their order: each next pick is from the article, then of the kind, least picked so far.

    Example: from two quote examples and one person example of three articles, `select(..., 2)` picks a quote and
    the person.
    """
    chosen: list[Example] = []
    left = list(examples)
    while left and len(chosen) < limit:
        articles = Counter(example.article_id for example in chosen)
        kinds = Counter(example.kind for example in chosen)
        allowed = [example for example in left if articles[example.article_id] < per_article]
        if not allowed:
            break
        best = min(allowed, key=lambda e: (articles[e.article_id], kinds[e.kind], KINDS.index(e.kind), left.index(e)))
        chosen.append(best)
        left.remove(best)
    return chosen


def _varied(chosen: Sequence[Example], limit: int) -> bool:
    """Whether `chosen` is a whole, varied handful: `limit` examples, no kind more often than it would be in a
    round of `MIN_KINDS` kinds (at most two of six)."""
    most = max(Counter(example.kind for example in chosen).values(), default=0)
    return len(chosen) >= limit and most <= math.ceil(limit / MIN_KINDS)
