"""Driving the real chat app in a real browser: shared by the end-to-end test and the app benchmark."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Locator, Page, ViewportSize, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STARTUP_SECONDS = 180
ANSWER_SECONDS = 60
# What a reply shows before it is final: the app's placeholders and Gradio's while it renders a message.
PLACEHOLDERS = ("Searching the articles", "Still loading", "Loading content")


def copy_sample(corpus: Path, target: Path, per_folder: int) -> Path:
    """The first `per_folder` `.txt` files of each folder of `corpus` (e.g. the BBC corpus's five), copied under
    `target` by folder: a real folder of articles of a chosen size."""
    for topic in sorted(path for path in corpus.iterdir() if path.is_dir()):
        (target / topic.name).mkdir(parents=True)
        for file in sorted(topic.glob("*.txt"))[:per_folder]:
            shutil.copy(file, target / topic.name / file.name)
    return target


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_app(articles: Path, index_dir: Path, log: Path, options: Sequence[str] = ()) -> Iterator[str]:
    """`python app.py` on a free port, as a user starts it (with more `options`); yields its URL once it prints it."""
    port = free_port()
    env = {**os.environ, "QA_PORT": str(port), "QA_INDEX_DIR": str(index_dir), "PYTHONUNBUFFERED": "1"}
    url = f"http://127.0.0.1:{port}"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py"), "--articles", str(articles), *options],
            cwd=log.parent,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while url not in log.read_text():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"app.py did not start:\n{log.read_text()}")
                time.sleep(0.1)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=30)


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless (Playwright's own browser download needs the network)."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def open_chat(browser: Browser, url: str, viewport: ViewportSize | None = None) -> Page:
    """A new tab on the chat (by default 1400 by 1000), once the page says the bot is ready."""
    page = browser.new_page(viewport=viewport or {"width": 1400, "height": 1000})
    page.goto(url, wait_until="domcontentloaded")  # never networkidle: Gradio keeps connections open
    page.wait_for_selector("#qa-question textarea")
    page.wait_for_function(
        "document.querySelector('#qa-status').innerText.startsWith('Ready')", timeout=STARTUP_SECONDS * 1000
    )
    return page


def ask(page: Page, question: str) -> Locator:
    """Type `question`, press Enter, and return the bot's reply once its text has stopped changing."""
    before = page.locator(".message.bot").count()
    box = page.locator("#qa-question textarea")
    box.fill(question)
    box.press("Enter")
    return settled_reply(page, before)


def open_sources(reply: Locator) -> Locator:
    """`reply` with its collapsed sources (or closest passages) opened."""
    title = reply.locator(".thought .title").first
    title.click()
    reply.locator(".thought blockquote, .thought li").first.wait_for(state="visible")
    return reply


def settled_reply(page: Page, before: int) -> Locator:
    """The newest bot reply after the first `before`, once it is final (not a placeholder, not changing)."""
    replies = page.locator(".message.bot")
    deadline = time.monotonic() + ANSWER_SECONDS
    previous = None
    while True:
        if time.monotonic() > deadline:
            raise TimeoutError("no answer appeared")
        if replies.count() > before:
            text = replies.last.inner_text()
            if text == previous and not any(placeholder in text for placeholder in PLACEHOLDERS):
                return replies.last
            previous = text
        time.sleep(0.1)
