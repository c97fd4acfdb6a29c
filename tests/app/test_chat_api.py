"""The chat's API as a client other than the page calls it: the real Gradio server, in this process.

Whatever the page offers, a client can send any value to an event; these tests send what the page never would.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import gradio as gr
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from qa.app import chat
from qa.app.chat import build_app
from qa.app.readers import ReaderChoices
from qa.app.service import ChatService
from tests.browser import free_port
from tests.conftest import SEEDS, quotes_sung_kim

pytestmark = pytest.mark.slow

QUESTION = [{"role": "user", "content": [{"type": "text", "text": "What did Sung Kim say?"}]}]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, tiny_qa_model: Path) -> ChatService:
    """A loaded service over the seed articles that offers one configured model besides the built-in readers."""
    work = tmp_path_factory.mktemp("chat-api")
    service = ChatService(SEEDS, work / "index", readers=ReaderChoices.configure([tiny_qa_model]))
    service.start()
    service.bot()
    return service


@contextmanager
def _serving(service: ChatService) -> Iterator[tuple[gr.Blocks, Client]]:
    """The chat page of `service` served on a free port, and a client of its API."""
    app: gr.Blocks = build_app(service).queue()
    port = free_port()
    app.launch(server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield app, Client(f"http://127.0.0.1:{port}/", verbose=False)
    finally:
        app.close()


@pytest.fixture(scope="module")
def client(service: ChatService) -> Iterator[Client]:
    with _serving(service) as (_, client):
        yield client


def _respond(client: Client, reader: Any) -> list[dict[str, Any]]:
    """The chat's answer event, as the page's question box calls it: history, top-k, reader, show scores."""
    return list(client.predict(QUESTION, 5, reader, False, api_name="/respond"))


@pytest.mark.parametrize("reader", ["/etc", "/root", "/no/such/dir", "../../etc", "rules/../../root"])
def test_a_reader_the_app_was_not_started_with_is_refused_and_loads_nothing(
    client: Client, service: ChatService, reader: str
) -> None:
    bots = set(service._bots)

    with pytest.raises(AppError, match=r"is not in the list of choices: \['learned', 'hybrid', 'rules', 'tiny-qa"):
        _respond(client, reader)
    assert set(service._bots) == bots


def test_the_built_in_and_the_configured_readers_answer_through_the_api(
    client: Client, service: ChatService, tiny_qa_model: Path
) -> None:
    assert quotes_sung_kim(_respond(client, "rules")[-1]["content"][0]["text"])

    _respond(client, tiny_qa_model.name)

    assert str(tiny_qa_model.resolve()) in service._bots


def test_the_app_keeps_the_state_of_its_latest_sessions_only(
    service: ChatService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chat, "SESSIONS", 3)
    with _serving(service) as (app, client):
        sessions = []
        for _ in range(5):  # each a new tab, or a call of the HTTP API
            client.reset_session()
            client.predict("", [], api_name="/show_question")
            sessions.append(client.session_hash)

        assert list(app.state_holder.session_data) == sessions[-3:]


def test_questions_are_answered_on_the_apps_own_threads(
    client: Client, service: ChatService, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads = set()
    ask = service.ask

    def recorded(*args: Any, **kwargs: Any) -> Any:
        threads.add(threading.current_thread().name)
        return ask(*args, **kwargs)

    monkeypatch.setattr(service, "ask", recorded)
    for _ in range(3):
        client.reset_session()
        assert quotes_sung_kim(_respond(client, "rules")[-1]["content"][0]["text"])

    assert threads and all(name.startswith("qa-answer") for name in threads)
