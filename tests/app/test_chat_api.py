"""The chat's API as a client other than the page calls it: the real Gradio server, in this process.

Whatever the page offers, a client can send any value to an event; these tests send what the page never would.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

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


@pytest.fixture(scope="module")
def client(service: ChatService) -> Iterator[Client]:
    app: gr.Blocks = build_app(service).queue()
    port = free_port()
    app.launch(server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield Client(f"http://127.0.0.1:{port}/", verbose=False)
    finally:
        app.close()


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
