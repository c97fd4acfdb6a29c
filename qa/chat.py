"""The browser chat (Gradio): questions with cited answers, the articles panel, examples and settings.

The page is built around one `ChatService` shared by every tab. Each tab keeps its own conversation (the chat
messages, and the plain question/answer turns that follow-up questions are resolved against) in Gradio state, so
tabs asking at once never see each other's history.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from qa.articles import SUFFIXES, ArticleError
from qa.citations import answer_html, articles_html, plain_answer
from qa.errors import user_errors
from qa.service import ChatService, Update

if TYPE_CHECKING:
    from qa.followup import Turn

logger = logging.getLogger(__name__)

# The reader choices of the settings, by the name `qa.readers.make_reader` takes; the last takes a model path.
READERS = {
    "Rules + learned model (default)": "hybrid",
    "Learned model": "learned",
    "Rules": "rules",
}
OTHER_MODEL = "Another QA model"
# How often the page re-checks a first load that is still running.
LOADING_POLL_SECONDS = 0.5
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


def build_app(service: ChatService) -> gr.Blocks:
    """The chat page for `service` (call `service.start()` before or after; the page waits for it)."""
    with gr.Blocks(title="Ask the news") as app:
        turns = gr.State([])
        gr.Markdown("# Ask the news\nAsk about the articles; every answer shows the passage it comes from.")
        status = gr.Markdown(service.status(), elem_id="qa-status")
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    height=560,
                    label="Chat",
                    show_label=False,
                    elem_id="qa-chat",
                    feedback_options=None,
                    placeholder="Ask a question about the articles, or click an example below.",
                )
                with gr.Row():
                    question = gr.Textbox(
                        placeholder="e.g. What did Sung Kim say?",
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
            with gr.Column(scale=2):
                with gr.Accordion("Articles", open=True):
                    table = gr.HTML(elem_id="qa-articles")
                    with gr.Tab("Upload files"):
                        files = gr.File(
                            file_count="multiple", file_types=list(SUFFIXES), label="Articles", elem_id="qa-upload"
                        )
                        add_files = gr.Button("Add to the articles", elem_id="qa-add-files")
                    with gr.Tab("Paste an article"):
                        title = gr.Textbox(label="Title", elem_id="qa-paste-title")
                        text = gr.Textbox(label="Text", lines=6, elem_id="qa-paste-text")
                        add_text = gr.Button("Add to the articles", elem_id="qa-add-text")
                    added = gr.Markdown(elem_id="qa-added")
                with gr.Accordion("Settings", open=False):
                    top_k = gr.Slider(1, 20, value=5, step=1, label="Passages to read (top-k)")
                    reader = gr.Radio([*READERS, OTHER_MODEL], value=next(iter(READERS)), label="Reader")
                    model = gr.Textbox(
                        label="Another QA model: a directory saved by `qa train-reader`, or a transformers model "
                        "(a local path, or a hub id already cached)"
                    )
                    scores = gr.Checkbox(label="Show retrieval and reader scores")

        def show_question(message: str, history: Messages) -> tuple[str, Messages]:
            if not message.strip():
                return message, history
            return "", [*history, {"role": "user", "content": message}]

        def respond(
            history: Messages, past: list[Turn], k: float, which: str, name: str, show_scores: bool
        ) -> Iterator[tuple[Messages, list[Turn]]]:
            if not history or history[-1]["role"] != "user":
                return
            asked = _text(history[-1]["content"])
            waiting = "Searching the articles…" if service.ready else "Still loading the articles; one moment…"
            yield [*history, {"role": "assistant", "content": waiting}], past
            chosen = name.strip() if which == OTHER_MODEL else READERS.get(which)
            try:
                result = service.ask(asked, past, top_k=int(k), reader=chosen or None)
            except user_errors() as error:
                yield [*history, {"role": "assistant", "content": str(error)}], past
                return
            except Exception as error:  # the page must say so, not sit on "Searching…"
                logger.exception("Answering %r failed.", asked)
                yield [*history, {"role": "assistant", "content": f"Sorry, that failed: {error}"}], past
                return
            from qa.followup import Turn  # loaded by now: the bot uses it

            message = answer_html(result, service.passage, show_scores, service.folder)
            yield [*history, {"role": "assistant", "content": message}], [*past, Turn(asked, plain_answer(result))]

        chat_inputs = [chatbot, turns, top_k, reader, model, scores]
        for event in (question.submit, send.click):
            event(show_question, [question, chatbot], [question, chatbot], queue=False).then(
                respond, chat_inputs, [chatbot, turns]
            )
        examples.click(lambda sample: sample[0], examples, question, queue=False).then(
            show_question, [question, chatbot], [question, chatbot], queue=False
        ).then(respond, chat_inputs, [chatbot, turns])
        clear.click(lambda: ([], []), None, [chatbot, turns], queue=False)

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

        panel = [added, examples, table, status]
        add_files.click(upload, files, [*panel, files], concurrency_limit=1, concurrency_id="indexing")
        add_text.click(paste, [title, text], [*panel, title, text], concurrency_limit=1, concurrency_id="indexing")

        def loaded() -> Iterator[tuple[str, Any, Any]]:
            started = time.monotonic()
            while not service.ready:
                yield f"{service.status()} ({time.monotonic() - started:.0f} s)", gr.skip(), gr.skip()
                time.sleep(LOADING_POLL_SECONDS)
            yield service.status(), gr.Dataset(samples=_samples(service)), _articles(service)

        app.load(loaded, None, [status, examples, table])
    return app


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
