"""End to end on a real folder: 300 BBC articles copied to a temp folder, served by the real app in a real browser.

The tests run in order as one user's day: the first start (indexing, with its progress shown, while a question
waits), the articles panel, an upload of many files, then a restart on the built index, timed from `python app.py`
to an answer on the page.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from qa.app.candidates import TITLES
from tests.browser import (
    ANSWER_SECONDS,
    STARTUP_SECONDS,
    ask,
    copy_sample,
    open_chat,
    running_app,
    settled_reply,
)
from tests.conftest import shared_file

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BBC = "corpora/bbc-news"
# Articles copied from each of the corpus's five folders: 300 files, of which 3 repeat another's text.
PER_FOLDER = 60
# Files of one folder beyond those, uploaded together from the page.
UPLOADED = 30
QUESTION = "How much did quarterly profits at TimeWarner jump?"
# The restart is timed in the test and reported; the aim is 3 s, the assert is generous for a loaded 2-core machine.
RESTART_ANSWER_SECONDS = 60
# How long the first start may take to find its examples, in the background after "Ready".
EXAMPLES_SECONDS = 300
# The page, at 1400 by 1000, with hundreds of articles listed: the table scrolls within, the page does not grow.
MAX_PAGE_HEIGHT = 1600
# How many of Gradio's progress trackers show an indexing's progress now.
SHOWN_BARS = """[...document.querySelectorAll('[data-testid=status-tracker]')]
    .filter(tracker => !tracker.classList.contains('hide') && /Indexing|Checking/.test(tracker.innerText)).length"""


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the first `PER_FOLDER` articles of each BBC folder, under `articles/`."""
    work = tmp_path_factory.mktemp("bbc-app")
    copy_sample(shared_file(BBC), work / "articles", PER_FOLDER)
    return work


@pytest.fixture(scope="module")
def first_app(workdir: Path) -> Iterator[ExitStack]:
    """The app's first start on the folder (no index yet); closing the stack stops it."""
    with ExitStack() as app:
        app.enter_context(running_app(workdir / "articles", workdir / "index", workdir / "first.log"))
        yield app


@pytest.fixture(scope="module")
def first_start(first_app: ExitStack, workdir: Path, browser: Browser) -> Page:
    """A tab on the first app, opened at once, before it is ready."""
    url = re.search(r"http://127\.0\.0\.1:\d+", (workdir / "first.log").read_text())
    assert url is not None
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url.group(0), wait_until="domcontentloaded")
    page.wait_for_selector("#qa-question textarea")
    return page


def _status(page: Page) -> str:
    return page.locator("#qa-status").inner_text()


def test_a_first_start_shows_real_progress_and_answers_a_waiting_question_once_ready(first_start: Page) -> None:
    page = first_start
    page.wait_for_function(
        "/of 300 files read/.test(document.querySelector('#qa-status').innerText)", timeout=STARTUP_SECONDS * 1000
    )
    status = _status(page)
    assert re.search(r"Indexing: [\d,]+ of 300 files read, [\d,]+ of about [\d,]+ passages embedded; .* so far", status)

    box = page.locator("#qa-question textarea")
    box.fill(QUESTION)
    box.press("Enter")
    page.wait_for_function(
        "document.querySelector('.message.bot')?.innerText.includes('Still loading the articles')", timeout=10_000
    )
    assert not _status(page).startswith("Ready")
    reply = settled_reply(page, 0)
    page.wait_for_function("document.querySelector('#qa-status').innerText.startsWith('Ready')")
    assert reply.locator(".qa-best").inner_text().startswith("76%")
    assert _status(page).startswith("Ready: 297 articles, ") and "(3 duplicates skipped)" in _status(page)


def test_the_articles_panel_is_a_searchable_table_with_a_count_that_keeps_the_page_short(first_start: Page) -> None:
    page = first_start
    table = page.locator("#qa-articles")
    table.get_by_text("297 articles").wait_for()
    assert page.evaluate("document.documentElement.scrollHeight") < MAX_PAGE_HEIGHT

    table.locator("input.search-input").fill("Ad sales boost Time Warner")
    shown = "[...document.querySelectorAll('#qa-articles tbody tr')].filter(row => row.offsetParent)"
    found = f"{shown}.filter(row => row.textContent.includes('business/001.txt')).length"
    page.wait_for_function(f"{found} === 1", timeout=10_000)
    assert page.evaluate(f"{shown}.filter(row => row.textContent.trim()).length") == 1


def test_the_best_answer_comes_first_and_no_other_answer_is_a_title_or_a_repeat(first_start: Page) -> None:
    for question in (QUESTION, "Who is the chief executive of Time Warner?", "Where did the G7 ministers meet?"):
        reply = ask(first_start, question)
        if reply.inner_text().startswith("The articles do not answer this."):
            continue
        best = reply.locator(".qa-best > b").inner_text().strip()
        assert reply.locator(".message").first.locator("p").first.get_attribute("class") == "qa-best"
        assert re.search(r"\b(very likely|likely|unsure)\b", reply.locator(".qa-confidence").inner_text())
        others = [other.strip() for other in reply.locator(".qa-others > b").all_inner_texts()]
        words = [other.casefold() for other in [best, *others]]
        assert len(set(words)) == len(words), words
        for other in others:
            assert other.rstrip(".").lower() not in TITLES and re.search(r"\d|[^\W\d_]{3,}", other), other


def test_an_upload_of_many_files_is_summed_up_in_one_line_under_one_progress_bar(
    first_start: Page, workdir: Path
) -> None:
    page = first_start
    files = sorted((shared_file(BBC) / "entertainment").glob("*.txt"))[PER_FOLDER : PER_FOLDER + UPLOADED]
    page.locator("#qa-upload input[type=file]").set_input_files([str(file) for file in files])
    page.locator("#qa-add-files").click()
    bars = 0
    deadline = time.monotonic() + ANSWER_SECONDS * 2
    while not page.locator("#qa-added").inner_text().startswith(("Added", "Nothing")):
        assert time.monotonic() < deadline, "the upload was not indexed"
        bars = max(bars, page.evaluate(SHOWN_BARS))
        time.sleep(0.2)

    summary = page.locator("#qa-added p").first.inner_text()
    shape = re.match(
        r"Added (\d+) articles: (uploads/\S+, ){4}uploads/\S+ and (\d+) more(; (\d) duplicates? skipped: .*)?\.$",
        summary,
    )
    assert shape is not None, summary
    added, more, duplicates = int(shape[1]), int(shape[3]), int(shape[5] or 0)
    assert added == more + 5 and added + duplicates == UPLOADED  # this corpus repeats a few of its articles
    assert bars == 1
    assert (workdir / "articles" / "uploads" / files[0].name).exists()


def test_a_restart_on_the_built_index_answers_within_seconds_and_offers_the_examples_found_before(
    workdir: Path, browser: Browser, first_app: ExitStack, first_start: Page, capsys: pytest.CaptureFixture[str]
) -> None:
    first_start.locator("#qa-examples button").nth(1).wait_for(timeout=EXAMPLES_SECONDS * 1000)
    before = first_start.locator("#qa-examples button").all_inner_texts()
    first_app.close()  # the first app stops; this one starts on the index it built
    began = time.monotonic()
    with running_app(workdir / "articles", workdir / "index", workdir / "restart.log") as url:
        page = open_chat(browser, url)
        ready = time.monotonic() - began
        reply = ask(page, QUESTION)
        answered = time.monotonic() - began
        assert reply.locator(".qa-best").inner_text().startswith("76%")
        page.locator("#qa-examples button").nth(1).wait_for(timeout=RESTART_ANSWER_SECONDS * 1000)
        offered = time.monotonic() - began
        examples = page.locator("#qa-examples button").all_inner_texts()
        page.close()
    with capsys.disabled():
        print(
            f"\nrestart on {PER_FOLDER * 5 + UPLOADED} article files: Ready on the page {ready:.1f} s, answered "
            f"{answered:.1f} s, examples offered {offered:.1f} s after `python app.py`"
        )
    assert answered < RESTART_ANSWER_SECONDS
    assert 2 <= len(examples) <= 6 and set(examples) & set(before)  # from the cache the first start filled
    assert len({example.split()[0] for example in examples}) > 1  # not only "Who is X?"
