"""The public entry point: `Bot.ask(question)` returns cited answers, or declines.

Every surface (CLI, chat, evaluation, Python) goes through one `Bot` and one Haystack `Pipeline`
(embed → dense ∥ BM25 → fuse → read), so what is measured is what users get. The Bot's own work is what the
pipeline cannot know: making a follow-up whole first (`qa.ask.followup`: its pronouns and ellipsis resolved
against the conversation, whose articles retrieval then prefers), and afterwards turning passage offsets into
offsets in the original article files and merging duplicates (`qa.ask.cite`).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path

from haystack import Pipeline

from qa import config, precision
from qa.ask import cite
from qa.ask.followup.resolve import Resolution, needs_resolving, resolve
from qa.ask.followup.turns import Turn
from qa.ask.question import check_question, check_top_k
from qa.ask.result import Passage, Result
from qa.ask.retrieve import CANDIDATES_PER_RESULT, retrieval_pipeline
from qa.index.folder import articles_folder
from qa.index.index import Index
from qa.index.progress import OnProgress
from qa.index.report import IndexReport
from qa.index.settings import IndexSettings
from qa.readers.choose import make_reader

# The articles of the latest answered turns that a follow-up's retrieval prefers.
MAX_CONVERSATION_ARTICLES = 3


class Bot:
    """Question answering over a folder of articles, with citations.

    Usage example::

        bot = Bot()                                   # seeds/ articles, index/ directory
        result = bot.ask("What did Sung Kim say?")
        print(result.answers[0].text, result.answers[0].source)
        bot.ask("What did he tell reporters?", history=["Who is Sung Kim?"])
        bot.ask("What did she say?").clarification    # "Who do you mean by 'she'?"
    """

    def __init__(
        self,
        articles: str | Path | None = None,
        index_dir: str | Path | None = None,
        top_k: int = config.DEFAULT_TOP_K,
        reader: str | None = None,
        settings: IndexSettings | None = None,
        rebuild: bool = False,
        progress_bar: bool = True,
        wait: bool = False,
        on_progress: OnProgress | None = None,
    ) -> None:
        """Open (building or updating if needed) the index of `articles`, and load the models once.

        :param articles: the folder of articles; by default `$QA_ARTICLES`, else the folder the index was last built
            from, else the bundled `seeds/`.
        :param index_dir: where the index is kept; by default `$QA_INDEX_DIR`, else `index/`.
        :param top_k: passages retrieved and read per question.
        :param reader: "learned" (the default), "hybrid", "rules", or a model to read with: a directory saved by
            `qa train-reader`, or a transformers extractive QA model (local path or cached hub id).
        :param wait: if another process is updating the index, wait for it; by default the index is used as it was
            (`report.behind`), so that questions never wait for someone else's indexing (`refresh` catches up).
        :param on_progress: called with an `IndexProgress` as the articles are indexed (see `Index.open`).
        :raises qa.errors.ArticleError: if `articles` is not a folder.
        :raises qa.errors.IndexingError: if it holds no readable article.
        :raises qa.errors.ReaderModelError: if `reader` cannot be loaded.
        :raises qa.errors.SettingError: if `$QA_PRECISION` is not a precision.
        """
        top_k = check_top_k(top_k)
        precision.bf16()  # a bad $QA_PRECISION is said now, not from inside the pipeline at the first question
        index_dir = index_dir if index_dir is not None else config.index_dir()
        self.articles = articles_folder(articles, index_dir).expanduser().resolve()
        self.settings = settings or IndexSettings()
        self.top_k = top_k
        self.reader = reader
        self.index, self.report = Index.open(
            self.articles,
            index_dir,
            self.settings,
            rebuild=rebuild,
            progress_bar=progress_bar,
            wait=wait,
            on_progress=on_progress,
        )
        self.pipeline = self._pipeline(self.index)

    def _pipeline(self, index: Index) -> Pipeline:
        pipeline = retrieval_pipeline(index, self.settings, self.top_k)
        pipeline.add_component("reader", make_reader(self.reader, top_k=self.top_k))
        pipeline.connect("joiner.documents", "reader.documents")
        pipeline.warm_up()  # the models are cached by their loaders: a second pipeline shares them
        return pipeline

    def refresh(self, progress_bar: bool = True, on_progress: OnProgress | None = None) -> IndexReport:
        """Bring the index up to date with the articles folder (only what changed is embedded), waiting for another
        process that is updating it.

        Questions asked meanwhile are answered from the previous index (`use`).

        :param on_progress: called with an `IndexProgress` as the changes are indexed (see `Index.open`).
        """
        index, report = Index.open(
            self.articles,
            self.index.directory,
            self.settings,
            progress_bar=progress_bar,
            wait=True,
            on_progress=on_progress,
        )
        self.use(index, report)
        return report

    def use(self, index: Index, report: IndexReport) -> None:
        """Answer from `index` from now on: a question being answered finishes with the pipeline it started with."""
        self.pipeline, self.index, self.report = self._pipeline(index), index, report

    def with_reader(self, reader: str | None) -> Bot:
        """A bot over this one's index (shared, not loaded again) that reads with `reader` (see `__init__`).

        :raises qa.errors.ReaderModelError: if `reader` cannot be loaded.
        """
        other = copy.copy(self)
        other.reader = reader
        other.use(self.index, self.report)
        return other

    def ask(self, question: str, history: Sequence[Turn | str] = (), top_k: int | None = None) -> Result:
        """Answer `question` in the conversation `history` (earlier turns, oldest first).

        "he", "it", "there", "then" and elliptical questions ("And the US?", "When?") are resolved against the
        earlier turns, and passages of the articles that answered them are preferred. A turn given as a plain
        question is answered first, as the chat would have answered it; a `Turn` carries its answer already. A
        personal pronoun that nothing earlier refers to is not guessed at: the `Result` holds a `clarification`.

        :param top_k: passages retrieved and read for this question only; by default the Bot's `top_k`.
        :raises QuestionError: for an empty or overlong question (or earlier question), or a `top_k` that is not
            a number from 1 to `qa.config.MAX_TOP_K`.
        """
        question = check_question(question)
        top_k = self.top_k if top_k is None else check_top_k(top_k)
        turns = self._turns(history, top_k)
        resolution = _resolution(question, turns)
        if resolution.clarification is not None:
            return Result(question, question, [], no_answer=True, clarification=resolution.clarification)
        # Which referent a follow-up means is partly a matter of sense: the likeliest reading the reader can answer
        # wins ("How much will Crossrail cost?", not "... the Treasury cost?"); the likeliest, if none can be.
        articles = _articles(turns)
        first = self._answer(question, resolution.asked, articles, top_k)
        for asked in resolution.alternatives if not first.answers else ():
            result = self._answer(question, asked, articles, top_k)
            if result.answers:
                return result
        return first

    def _answer(self, question: str, asked: str, articles: list[str], top_k: int) -> Result:
        """Retrieve and read `asked`, the whole form of `question`, preferring passages of `articles`."""
        candidates = top_k * CANDIDATES_PER_RESULT
        output = self.pipeline.run(
            {
                "embedder": {"text": asked},
                "dense": {"top_k": candidates},
                "bm25": {"query": asked, "top_k": candidates},
                "conversation": {"query": asked, "articles": articles, "top_k": candidates},
                "joiner": {"top_k": top_k},
                "reader": {"query": asked, "top_k": top_k},
            },
            include_outputs_from={"joiner"},
        )
        passages = [cite.passage(document, self.articles) for document in output["joiner"]["documents"]]
        answers = cite.cited_answers(output["reader"]["answers"], top_k, self.articles)
        return Result(question, asked, answers, no_answer=not answers, passages=passages)

    def _turns(self, history: Sequence[Turn | str], top_k: int) -> list[Turn]:
        """`history` as turns with their answers: each plain question is asked here, after the turns before it."""
        turns: list[Turn] = []
        for turn in history:
            turns.append(turn if isinstance(turn, Turn) else Turn.of(self.ask(turn, list(turns), top_k)))
        return turns

    def passage(self, article_id: str, number: int) -> Passage | None:
        """Passage `number` (from 1) of an indexed article, or None if it has no such passage.

        For showing more of an article around an answer: its neighbouring passages.
        """
        info = self.index.articles.get(article_id)
        if info is None or not 1 <= number <= info["passages"]:
            return None
        return cite.passage(self.index.document(f"{article_id}-{number}"), self.articles)


def _resolution(question: str, turns: Sequence[Turn]) -> Resolution:
    """What `question` means after `turns`; spaCy, which only that needs, loads (and is even imported) on the first
    question that may refer back, so that a first answer does not wait for it."""
    if not needs_resolving(question, turns):
        return Resolution(question)
    from qa.nlp import SPACY_LOCK, load_spacy

    with SPACY_LOCK:
        return resolve(question, turns, load_spacy())


def _articles(turns: Sequence[Turn]) -> list[str]:
    """The articles that answered the conversation, latest turn first: the third retriever searches these."""
    latest_first = dict.fromkeys(article for turn in reversed(turns) for article in turn.articles)
    return list(latest_first)[:MAX_CONVERSATION_ARTICLES]
