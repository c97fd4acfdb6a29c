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
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from qa.app.citations import answer_html, articles_html
from qa.app.service import ChatService, Update
from qa.errors import USER_ERRORS, ArticleError
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
CSS = """
.qa-sources { margin-top: .6em; font-size: .92em; }
.qa-source blockquote { margin: .3em 0 .2em; padding-left: .7em; border-left: 3px solid #d4d4d8; }
.qa-source mark, .qa-declined mark { background: #fde68a; color: inherit; padding: 0 .1em; }
.qa-articles { width: 100%; font-size: .9em; border-collapse: collapse; }
.qa-articles td, .qa-articles th { padding: .2em .4em; border-bottom: 1px solid #e4e4e7; text-align: left; }
.qa-score { color: #71717a; font-size: .85em; }
.qa-understood { color: #52525b; font-size: .9em; }
"""
# System fonts only: the app works offline and must not wait for a web font.
THEME = gr.themes.Default(font=["ui-sans-serif", "system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])

Messages = list[dict[str, Any]]


class _Page(gr.Blocks):
    """The chat page's Blocks, which keep the state of the latest `SESSIONS` sessions however they are launched."""

    def launch(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("state_session_capacity", SESSIONS)
        kwargs.setdefault("footer_links", ["api", "gradio"])  # Gradio's own "Settings" beside the page's would confuse
        return super().launch(*args, **kwargs)


@dataclass(frozen=True)
class _ChatColumn:
    """The chat column's components, kept together so the question events can be wired after the page is laid out."""

    chatbot: gr.Chatbot
    question: gr.Textbox
    send: gr.Button
    clear: gr.Button
    examples: gr.Dataset


@dataclass(frozen=True)
class _ArticlesPanel:
    """The articles panel's components: the list of articles, the upload and paste tabs, and what was added."""

    table: gr.HTML
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
        gr.Markdown("# Ask the news\nAsk about the articles; every answer shows the passage it comes from.")
        status = gr.Markdown(service.status(), elem_id="qa-status")
        with gr.Row():
            chat = _chat_column(service)
            with gr.Column(scale=2):
                articles = _articles_panel()
                settings = _settings_panel(service)
        _wire_chat(service, chat, settings, turns)
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
            feedback_options=None,
            latex_delimiters=[],  # an article's "$$" must not turn the reply into math
            placeholder="Ask a question about the articles, or click an example below.",
        )
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
    return _ChatColumn(chatbot, question, send, clear, examples)


def _articles_panel() -> _ArticlesPanel:
    """The articles the bot answers from, and the two ways to add one: uploading files or pasting the text."""
    with gr.Accordion("Articles", open=True):
        table = gr.HTML(elem_id="qa-articles")
        with gr.Tab("Upload files"):
            files = gr.File(file_count="multiple", file_types=list(SUFFIXES), label="Articles", elem_id="qa-upload")
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
            1, 20, value=5, step=1, label="How many passages to read", info="More finds more, and takes longer."
        )
        choices = service.readers.labels()
        reader = gr.Dropdown(choices, value=choices[0][1], label="Reader", elem_id="qa-reader")
        scores = gr.Checkbox(label="Show retrieval and reader scores")
    return _SettingsPanel(top_k, reader, scores)


def _wire_chat(service: ChatService, chat: _ChatColumn, settings: _SettingsPanel, turns: gr.State) -> None:
    """Asking, by Enter, "Ask" or an example: the question shows at once (unqueued), then the answer streams in.

    :param settings: read afresh for every question.
    :param turns: the tab's turns (questions, answers, the articles that answered), that follow-ups refer back to.
    """

    def show_question(message: str, history: Messages) -> tuple[Any, Any]:
        if not message.strip():  # Enter on an empty box: the box and the conversation stay as they are
            return gr.skip(), gr.skip()
        return "", [*history, {"role": "user", "content": message}]

    def respond(
        history: Messages, past: list[Turn], k: float, reader: str, show_scores: bool
    ) -> Iterator[tuple[Any, Any]]:
        if not history or history[-1]["role"] != "user":  # nothing new was asked
            gr.Info("Type a question first.", duration=3)
            yield gr.skip(), gr.skip()  # yielding nothing would empty the conversation
            return
        asked = _text(history[-1]["content"])
        waiting = "Searching the articles…" if service.ready else "Still loading the articles; one moment…"
        yield [*history, {"role": "assistant", "content": waiting}], past
        try:
            result = _answering.submit(service.ask, asked, past, top_k=int(k), reader=reader).result()
        except USER_ERRORS as error:
            yield [*history, {"role": "assistant", "content": str(error)}], past
            return
        except Exception as error:  # the page must say so, not sit on "Searching…"
            logger.exception("Answering %r failed.", asked)
            yield [*history, {"role": "assistant", "content": f"Sorry, that failed: {error}"}], past
            return
        from qa.ask.followup.turns import Turn

        message = answer_html(result, service.passage, show_scores, service.folder)
        yield [*history, {"role": "assistant", "content": message}], [*past, Turn.of(result)]

    chatbot, question = chat.chatbot, chat.question
    chat_inputs = [chatbot, turns, settings.top_k, settings.reader, settings.scores]
    for event in (question.submit, chat.send.click):
        event(show_question, [question, chatbot], [question, chatbot], queue=False).then(
            respond, chat_inputs, [chatbot, turns]
        )
    chat.examples.click(lambda sample: sample[0], chat.examples, question, queue=False).then(
        show_question, [question, chatbot], [question, chatbot], queue=False
    ).then(respond, chat_inputs, [chatbot, turns])
    chat.clear.click(lambda: ([], []), None, [chatbot, turns], queue=False)


def _wire_articles(service: ChatService, articles: _ArticlesPanel, examples: gr.Dataset, status: gr.Markdown) -> None:
    """Adding articles, one at a time across tabs (the index is rebuilt); then the page shows what changed.

    :param examples: refreshed with the example questions of the new articles.
    :param status: refreshed with the new count of articles.
    """

    def after_update(update: Update) -> tuple[str, Any, str, str]:
        message = "\n\n".join(update.messages())
        return message, gr.Dataset(samples=_samples(service)), _articles(service), service.status()

    def upload(paths: list[str] | None, progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple[Any, ...]:
        if not paths:
            return "Choose one or more files first.", gr.skip(), gr.skip(), gr.skip(), gr.skip()
        progress(0, desc="Checking the files…")
        try:
            update = service.add_files([(Path(path), Path(path).name) for path in paths])
        except ArticleError as error:
            return str(error), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return (*after_update(update), None)

    def paste(title_text: str, body: str, progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple[Any, ...]:
        progress(0, desc="Indexing the article…")
        try:
            update = service.add_text(title_text, body)
        except ArticleError as error:
            return str(error), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return (*after_update(update), "", "")

    panel = [articles.added, examples, articles.table, status]
    files, title, text = articles.files, articles.title, articles.text
    articles.add_files.click(upload, files, [*panel, files], concurrency_limit=1, concurrency_id="indexing")
    articles.add_text.click(paste, [title, text], [*panel, title, text], concurrency_limit=1, concurrency_id="indexing")


def _wire_load(app: gr.Blocks, service: ChatService, status: gr.Markdown, examples: gr.Dataset, table: gr.HTML) -> None:
    """On opening the page, the loading time ticks in the status until the articles are ready, then they show.

    :param examples: filled with the example questions once they are found, after "Ready" (questions are answered
        meanwhile).
    :param table: filled with the list of articles once they are loaded.
    """

    def loaded() -> Iterator[tuple[str, Any, Any]]:
        started = time.monotonic()
        while not service.ready:
            yield f"{service.status()} ({time.monotonic() - started:.0f} s)", gr.skip(), gr.skip()
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


def _articles(service: ChatService) -> str:
    return articles_html(service.articles()) if service.failure is None else ""


def _samples(service: ChatService) -> list[list[str]]:
    return [[example] for example in service.examples]


def _text(content: Any) -> str:
    """A chat message's text: Gradio gives a string, or a list of parts for a message with files."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content)
