"""The optional login (`--auth USER:PASSWORD`): the real app refuses everything until one logs in."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import httpx
import pytest

from tests.browser import chromium, running_app
from tests.conftest import SEEDS

pytestmark = pytest.mark.slow

USER, PASSWORD = "ann", "correct:horse battery"  # a password may hold colons and spaces
QUESTION = [{"role": "user", "content": [{"type": "text", "text": "What did Sung Kim say?"}]}]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work = tmp_path_factory.mktemp("auth")
    shutil.copytree(SEEDS, work / "articles")
    with running_app(work / "articles", work / "index", work / "app.log", ["--auth", f"{USER}:{PASSWORD}"]) as url:
        yield url


def _ask(client: httpx.Client, url: str) -> httpx.Response:
    """A question sent straight to the chat's answer event, as a client other than the page sends it."""
    return client.post(f"{url}/gradio_api/call/respond", json={"data": [QUESTION, 5, "rules", False]})


@pytest.mark.parametrize("password", [None, "wrong", PASSWORD.split(":")[0]])
def test_without_the_right_login_the_api_refuses(app_url: str, password: str | None) -> None:
    with httpx.Client() as client:
        if password is not None:
            refused = client.post(f"{app_url}/login", data={"username": USER, "password": password})
            assert refused.status_code == 400 and "Incorrect credentials" in refused.text
        assert client.get(f"{app_url}/config").status_code == 401
        assert _ask(client, app_url).status_code == 401


def test_logging_in_through_the_endpoint_opens_the_api(app_url: str) -> None:
    with httpx.Client() as client:
        logged_in = client.post(f"{app_url}/login", data={"username": USER, "password": PASSWORD})

        assert logged_in.status_code == 200 and logged_in.json() == {"success": True}
        assert client.get(f"{app_url}/config").status_code == 200
        call = _ask(client, app_url)
        assert call.status_code == 200 and "event_id" in call.json()


@pytest.mark.browser
def test_the_page_asks_for_the_login_and_then_shows_the_chat(app_url: str) -> None:
    with chromium() as browser:
        page = browser.new_page()
        page.goto(app_url, wait_until="domcontentloaded")
        page.get_by_label("username").fill(USER)
        page.get_by_label("password").fill(PASSWORD)
        assert page.locator("#qa-question").count() == 0
        page.get_by_role("button", name="Login").click()
        page.wait_for_selector("#qa-question textarea")
