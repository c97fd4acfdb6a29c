"""The browser chat (Gradio): questions with cited answers, the articles panel, examples and settings.

The page is built around one `ChatService` shared by every tab. Each tab keeps its own conversation (the chat
messages, and the turns, with their answers, that follow-ups refer back to) in Gradio state, so
tabs asking at once never see each other's history.

Memory stays bounded however long the app serves: it keeps the state of the latest `SESSIONS` sessions only, and
answers questions on `ANSWERING_THREADS` threads that live as long as the app (see `_answering`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from qa.app.citations import reply
from qa.app.service import ChatService, Update
from qa.ask.result import Result  # at run time: Gradio reads `_wire_feedback`'s type hints to pass `gr.LikeData`
from qa.config import MAX_FILE_BYTES
from qa.errors import USER_ERRORS, ArticleError, FeedbackError
from qa.index.progress import count
from qa.ingest.files import SUFFIXES

if TYPE_CHECKING:
    from qa.ask.followup.turns import Turn

logger = logging.getLogger(__name__)

# How often the page re-checks a first load that is still running.
LOADING_POLL_SECONDS = 0.5
# How often an open page checks whether the index changed (articles added to the folder, or uploaded in another tab).
CHANGES_POLL_SECONDS = 3
# How long an open page waits, after "Ready", for the first example questions before it stops looking for them.
EXAMPLES_WAIT_SECONDS = 120
# The sessions (a tab, an API client, a call of the HTTP API) whose state the app keeps: the most recently active
# ones. Each holds its own copy of the page's configuration and its conversation (some 60 KB of objects); Gradio's
# default keeps 10,000, so memory grew with every call of the API. A conversation left idle while this many others
# were active starts afresh: its next question is not read as a follow-up.
SESSIONS = 256
# Questions are answered on this many threads. Gradio runs each event on a worker thread of AnyIO's, which ends
# after 10 s idle and is replaced by a new one; glibc gives each new thread a malloc arena of its own, and every
# arena that has read a question keeps the reader's working memory: under a steady load the app grew by 10-40 MB a
# minute. Threads that live as long as the app keep that to a few arenas.
ANSWERING_THREADS = 4
_answering = ThreadPoolExecutor(ANSWERING_THREADS, thread_name_prefix="qa-answer")
# Uploads and pasted articles are indexed on this thread while the event's own thread reports their progress.
_indexing = ThreadPoolExecutor(1, thread_name_prefix="qa-upload")
# How often an upload's progress bar is brought up to date.
PROGRESS_POLL_SECONDS = 0.5
# The largest file the page takes. Indexing reads a file up to `MAX_FILE_BYTES` and reports the rest as skipped;
# Gradio's own limit must lie above that, or a 30 MB export is refused by the upload before it can be read in part.
MAX_UPLOAD_BYTES = 4 * MAX_FILE_BYTES
# The passages a question may read, as the settings' slider offers them (Gradio refuses a value outside).
TOP_K_RANGE = (1, 20)
# The articles table's height; it scrolls beyond, and its search box finds an article among hundreds.
ARTICLES_HEIGHT = 320
UPLOAD_HEIGHT = 200
CSS = """
.qa-sources { margin-top: .6em; font-size: .92em; }
.qa-source blockquote { margin: .3em 0 .2em; padding-left: .7em; border-left: 3px solid #d4d4d8; }
.qa-source mark, .qa-declined mark { background: #fde68a; color: inherit; padding: 0 .1em; }
.qa-best { font-size: 1.05em; }
.qa-confidence { color: #52525b; font-size: .85em; border: 1px solid #d4d4d8; border-radius: .6em; padding: 0 .4em; }
.qa-from { color: #52525b; font-size: .85em; }
.qa-note { color: #92400e; }
.qa-score { color: #71717a; font-size: .85em; }
.qa-understood { color: #52525b; font-size: .9em; }
"""
# System fonts only: the app works offline and must not wait for a web font.
THEME = gr.themes.Default(font=["ui-sans-serif", "system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])

Messages = list[dict[str, Any]]
# What each reply's messages answered, by their place in the conversation: the result and the earlier questions it
# followed, for the 👍/👎 on that message.
Answered = dict[int, tuple[Result, tuple[str, ...]]]


class _Page(gr.Blocks):
    """The chat page's Blocks, which keep the state of the latest `SESSIONS` sessions however they are launched."""

    def launch(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("state_session_capacity", SESSIONS)
        kwargs.setdefault("footer_links", ["api", "gradio"])  # Gradio's own "Settings" beside the page's would confuse
        kwargs.setdefault("max_file_size", MAX_UPLOAD_BYTES)
        return super().launch(*args, **kwargs)


@dataclass(frozen=True)
class _ChatColumn:
    """The chat column's components, kept together so the question events can be wired after the page is laid out."""

    chatbot: gr.Chatbot
    question: gr.Textbox
    send: gr.Button
    clear: gr.Button
    examples: gr.Dataset
    correction: gr.Textbox
    save_correction: gr.Button
    correction_row: gr.Row


@dataclass(frozen=True)
class _ArticlesPanel:
    """The articles panel's components: the list of articles, the upload and paste tabs, and what was added."""

    table: gr.Dataframe
    files: gr.File
    add_files: gr.Button
    title: gr.Textbox
    text: gr.Textbox
    add_text: gr.Button
    added: gr.Markdown


@dataclass(frozen=True)
class _SettingsPanel:
    """The settings every question is asked with."""

    top_k: gr.Slider
    reader: gr.Dropdown
    scores: gr.Checkbox


def build_app(service: ChatService) -> gr.Blocks:
    """The chat page for `service` (call `service.start()` before or after; the page waits for it)."""
    with _Page(title="Ask the news") as app:
        turns = gr.State([])
        answered = gr.State({})
        gr.Markdown("# Ask the news\nAsk about the articles; every answer shows the passage it comes from.")
        status = gr.Markdown(service.status(), elem_id="qa-status")
        with gr.Row():
            chat = _chat_column(service)
            with gr.Column(scale=2):
                articles = _articles_panel()
                settings = _settings_panel(service)
        _wire_chat(service, chat, settings, turns, answered)
        _wire_feedback(service, chat, answered)
        _wire_articles(service, articles, chat.examples, status)
        _wire_load(app, service, status, chat.examples, articles.table)
    return app


def _chat_column(service: ChatService) -> _ChatColumn:
    """The left column: the conversation, the question box with its buttons, and the example questions."""
    with gr.Column(scale=3):
        chatbot = gr.Chatbot(
            height=560,
            label="Chat",
            show_label=False,
            elem_id="qa-chat",
            feedback_options=("Like", "Dislike"),
            latex_delimiters=[],  # an article's "$$" must not turn the reply into math
            placeholder="Ask a question about the articles, or click an example below.",
            autoscroll=False,  # a long reply opens at its answer, not at the bottom of its sources
        )
        with gr.Row(visible=False, elem_id="qa-correction") as correction_row:
            correction = gr.Textbox(
                placeholder="What is the right answer? (optional: the article's words)",
                show_label=False,
                scale=6,
                max_lines=2,
                elem_id="qa-correction-text",
            )
            save_correction = gr.Button("Save the right answer", scale=2, min_width=120, elem_id="qa-correction-save")
        with gr.Row():
            question = gr.Textbox(
                placeholder="Ask about the articles",
                show_label=False,
                scale=6,
                autofocus=True,
                elem_id="qa-question",
                max_lines=4,
            )
            send = gr.Button("Ask", variant="primary", scale=1, min_width=80)
            clear = gr.Button("New chat", scale=1, min_width=80, elem_id="qa-clear")
        examples = gr.Dataset(
            components=[question], samples=_samples(service), label="Try asking", elem_id="qa-examples"
        )
    return _ChatColumn(chatbot, question, send, clear, examples, correction, save_correction, correction_row)


def _articles_panel() -> _ArticlesPanel:
    """The articles the bot answers from, and the two ways to add one: uploading files or pasting the text."""
    with gr.Accordion("Articles", open=True):
        table = gr.Dataframe(
            headers=["Title", "File", "Passages"],
            datatype=["str", "str", "number"],
            interactive=False,
            show_search="search",
            max_height=ARTICLES_HEIGHT,
            wrap=True,
            column_widths=["46%", "34%", "20%"],
            label="Articles",
            elem_id="qa-articles",
        )
        with gr.Tab("Upload files"):
            files = gr.File(
                file_count="multiple",
                file_types=list(SUFFIXES),
                label="Articles",
                elem_id="qa-upload",
                height=UPLOAD_HEIGHT,  # a list of 30 files scrolls, rather than push the page down
            )
            add_files = gr.Button("Add to the articles", elem_id="qa-add-files")
        with gr.Tab("Paste an article"):
            title = gr.Textbox(label="Title", elem_id="qa-paste-title")
            text = gr.Textbox(label="Text", lines=6, elem_id="qa-paste-text")
            add_text = gr.Button("Add to the articles", elem_id="qa-add-text")
        added = gr.Markdown(elem_id="qa-added", latex_delimiters=[])
    return _ArticlesPanel(table, files, add_files, title, text, add_text, added)


def _settings_panel(service: ChatService) -> _SettingsPanel:
    """The closed "Settings" accordion: how many passages to read, which reader, and whether to show scores.

    The reader is one of `service.readers` by name; Gradio refuses any other value a client sends, and the service
    refuses it again should one get through.
    """
    with gr.Accordion("Settings", open=False):
        top_k = gr.Slider(
            *TOP_K_RANGE, value=5, step=1, label="How many passages to read", info="More finds more, and takes longer."
        )
        choices = service.readers.labels()
        reader = gr.Dropdown(choices, value=choices[0][1], label="Reader", elem_id="qa-reader")
        scores = gr.Checkbox(label="Show retrieval and reader scores")
    return _SettingsPanel(top_k, reader, scores)


def _wire_chat(
    service: ChatService, chat: _ChatColumn, settings: _SettingsPanel, turns: gr.State, answered: gr.State
) -> None:
    """Asking, by Enter, "Ask" or an example: the question shows at once (unqueued), then the reply streams in, the
    answer first and its sources after it, collapsed.

    :param settings: read afresh for every question.
    :param turns: the tab's turns (questions, answers, the articles that answered), that follow-ups refer back to.
    :param answered: the tab's `Answered`, which the 👍/👎 of a message read.
    """

    def show_question(message: str, history: Messages) -> tuple[Any, Any]:
        if not message.strip():  # Enter on an empty box: the box and the conversation stay as they are
            return gr.skip(), gr.skip()
        return "", [*history, {"role": "user", "content": message}]

    def respond(
        history: Messages, past: list[Turn], done: Answered, k: float, reader: str, show_scores: bool
    ) -> Iterator[tuple[Any, Any, Any]]:
        if not history or history[-1]["role"] != "user":  # nothing new was asked
            gr.Info("Type a question first.", duration=3)
            yield gr.skip(), gr.skip(), gr.skip()  # yielding nothing would empty the conversation
            return
        asked = _text(history[-1]["content"])
        waiting = "Searching the articles…" if service.ready else "Still loading the articles; one moment…"
        yield [*history, {"role": "assistant", "content": waiting}], past, done
        try:
            result = _answering.submit(service.ask, asked, past, top_k=int(k), reader=reader).result()
        except USER_ERRORS as error:
            yield [*history, {"role": "assistant", "content": str(error)}], past, done
            return
        except Exception as error:  # the page must say so, not sit on "Searching…"
            logger.exception("Answering %r failed.", asked)
            yield [*history, {"role": "assistant", "content": f"Sorry, that failed: {error}"}], past, done
            return
        from qa.ask.followup.turns import Turn

        note = service.language_note(asked) if result.no_answer else None
        shown = reply(result, service.passage, show_scores, service.folder, note)
        after, earlier = [*past, Turn.of(result)], tuple(turn.question for turn in past)
        messages = [*history, {"role": "assistant", "content": shown.text}]
        done = {**done, len(history): (result, earlier)}
        yield messages, after, done
        if shown.sources:
            sources = {"title": shown.sources_title, "status": "done"}  # a collapsed message under the answer
            messages = [*messages, {"role": "assistant", "content": shown.sources, "metadata": sources}]
            yield messages, after, {**done, len(history) + 1: (result, earlier)}

    chatbot, question = chat.chatbot, chat.question
    chat_inputs = [chatbot, turns, answered, settings.top_k, settings.reader, settings.scores]
    chat_outputs = [chatbot, turns, answered]
    for event in (question.submit, chat.send.click):
        event(show_question, [question, chatbot], [question, chatbot], queue=False).then(
            respond, chat_inputs, chat_outputs
        )
    chat.examples.click(lambda sample: sample[0], chat.examples, question, queue=False).then(
        show_question, [question, chatbot], [question, chatbot], queue=False
    ).then(respond, chat_inputs, chat_outputs)
    hidden = gr.Row(visible=False)
    chat.clear.click(lambda: ([], [], {}, hidden), None, [*chat_outputs, chat.correction_row], queue=False)


def _wire_feedback(service: ChatService, chat: _ChatColumn, answered: gr.State) -> None:
    """👍/👎 on a reply: each is saved at once to the index's feedback file (`qa.app.feedback`); a 👎 then offers a
    box for the right answer, saved as another line when typed.

    :param answered: the tab's `Answered`, which says what each message answered.
    """
    disliked = gr.State(None)  # the message whose right answer the box asks for
    hidden, shown = gr.Row(visible=False), gr.Row(visible=True)

    def feedback(done: Answered, data: gr.LikeData) -> tuple[Any, Any, Any]:
        index = data.index if isinstance(data.index, int) else data.index[0]
        if index not in done or data.liked not in (True, False):  # not an answer, or a 👍/👎 taken back
            return gr.skip(), gr.skip(), gr.skip()
        result, earlier = done[index]
        try:
            service.feedback.record(result, bool(data.liked), earlier)
        except FeedbackError as error:
            gr.Warning(str(error))
            return gr.skip(), gr.skip(), gr.skip()
        if data.liked:
            gr.Info("Thanks: saved; this answer is now a test the bot is checked against.", duration=4)
            return None, hidden, gr.skip()
        return index, shown, ""

    def correct(done: Answered, index: int | None, typed: str) -> tuple[Any, Any, Any]:
        if index not in done:
            return None, hidden, ""
        result, earlier = done[index]
        try:
            service.feedback.record(result, False, earlier, correction=typed)
        except FeedbackError as error:
            gr.Warning(str(error))
            return gr.skip(), gr.skip(), gr.skip()
        gr.Info("Thanks: saved; the bot is now checked against your answer.", duration=4)
        return None, hidden, ""

    chat.chatbot.like(feedback, answered, [disliked, chat.correction_row, chat.correction])
    for event in (chat.correction.submit, chat.save_correction.click):
        event(correct, [answered, disliked, chat.correction], [disliked, chat.correction_row, chat.correction])


def _wire_articles(service: ChatService, articles: _ArticlesPanel, examples: gr.Dataset, status: gr.Markdown) -> None:
    """Adding articles, one at a time across tabs (the index is rebuilt), with one progress bar over the summary;
    then the page shows what changed.

    :param examples: refreshed with the example questions of the new articles.
    :param status: refreshed with the new count of articles.
    """

    def after_update(update: Update) -> tuple[str, Any, Any, str]:
        message = "\n\n".join(update.messages())
        return message, gr.Dataset(samples=_samples(service)), _articles(service), service.status()

    def upload(paths: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        if not paths:
            return "Choose one or more files first.", gr.skip(), gr.skip(), gr.skip(), gr.skip()
        uploads = [(Path(path), Path(path).name) for path in paths]
        try:
            update = _reporting(progress, _indexing.submit(service.add_files, uploads), service)
        except ArticleError as error:
            return str(error), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return (*after_update(update), None)

    def paste(title_text: str, body: str, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        try:
            update = _reporting(progress, _indexing.submit(service.add_text, title_text, body), service)
        except ArticleError as error:
            return str(error), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return (*after_update(update), "", "")

    panel = [articles.added, examples, articles.table, status]
    files, title, text = articles.files, articles.title, articles.text
    once = {"concurrency_limit": 1, "concurrency_id": "indexing", "show_progress_on": [articles.added]}
    articles.add_files.click(upload, files, [*panel, files], **once)  # type: ignore[arg-type]
    articles.add_text.click(paste, [title, text], [*panel, title, text], **once)  # type: ignore[arg-type]


def _reporting(progress: Callable[..., Any], job: Future[Update], service: ChatService) -> Update:
    """`job`'s update once it is done, meanwhile showing the service's indexing progress in `progress`."""
    progress(0, desc="Checking the files…")
    while True:
        try:
            return job.result(timeout=PROGRESS_POLL_SECONDS)
        except TimeoutError:
            report = service.progress
            if report is not None:
                progress(report.fraction, desc=report.line())


def _wire_load(
    app: gr.Blocks, service: ChatService, status: gr.Markdown, examples: gr.Dataset, table: gr.Dataframe
) -> None:
    """On opening the page, the status tells how the loading goes (files read, passages embedded, time so far and
    left) until the articles are ready, then they show.

    :param examples: filled with the example questions once they are found, after "Ready" (questions are answered
        meanwhile).
    :param table: filled with the list of articles once they are loaded.
    """

    def loaded() -> Iterator[tuple[str, Any, Any]]:
        started = time.monotonic()
        while not service.ready:
            yield service.status(), gr.skip(), gr.skip()
            time.sleep(LOADING_POLL_SECONDS)
        yield service.status(), gr.skip(), _articles(service)
        while not service.examples_found and time.monotonic() - started < EXAMPLES_WAIT_SECONDS:
            time.sleep(LOADING_POLL_SECONDS)
        yield gr.skip(), gr.Dataset(samples=_samples(service)), gr.skip()

    app.load(loaded, None, [status, examples, table])

    shown = gr.State(0)  # the `service.version` this tab shows

    def changed(version: int) -> tuple[Any, Any, Any, int]:
        if not service.ready or version == service.version:
            return gr.skip(), gr.skip(), gr.skip(), version
        version = service.version
        return service.status(), gr.Dataset(samples=_samples(service)), _articles(service), version

    gr.Timer(CHANGES_POLL_SECONDS).tick(changed, shown, [status, examples, table, shown], queue=False)


def _articles(service: ChatService) -> Any:
    """The articles table, with their count in its label."""
    if service.failure is not None:
        return gr.Dataframe(value=[], label="Articles")
    rows = service.articles()
    return gr.Dataframe(value=[list(row) for row in rows], label=count(len(rows), "article").capitalize())


def _samples(service: ChatService) -> list[list[str]]:
    return [[example] for example in service.examples]


def _text(content: Any) -> str:
    """A chat message's text: Gradio gives a string, or a list of parts for a message with files."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content)
