"""End to end: the real app (`python app.py`) on a free port, driven by a real headless Chromium.

One app serves the whole module, as it would serve several people: the tests share it in order, like a user's
session (ask, follow up, add articles, ask about them).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.browser import ANSWER_SECONDS, ask, open_chat, open_sources, running_app, settled_reply
from tests.conftest import SEEDS, quotes_sung_kim

pytestmark = pytest.mark.browser

NEW_ARTICLE = """Harbour town votes to keep its lighthouse lit

The council of Port Ellery voted on Tuesday to keep the old lighthouse working for another ten years.

"The lighthouse is the heart of this town, and we will not let it go dark," said Mayor Agnes Whitcombe after the vote.

The repairs will cost £1.2m, paid from the harbour fund.
"""
HOSTILE_ARTICLE = """Web page scandal hits Tarnby museum

The Tarnby museum director, Olaf Brenning, apologised on Friday for a defaced web page.

"Someone wrote <img src=x onerror="window.pwned=1"> and <script>window.pwned=1</script> there," said Olaf Brenning.
"""

# Text that Markdown, LaTeX or HTML would give a meaning to, each of which an article may hold.
MARKUP = ("$$x$$", "**bold**", "`code`", "<b>tag</b>", "[x](javascript:alert(1))", "![x](http://127.0.0.1:9/x)")
# The title's lone "$$" would pair with the passage's first: the math between them would swallow the citation.
MARKUP_TITLE = "A $$ letter reaches the Quillby gazette"
MARKUP_ARTICLE = f"""{MARKUP_TITLE}

The Quillby gazette editor, Petra Hollow, said on Monday that a strange letter had reached the newsroom.

"We will print every word of it on Friday," said Petra Hollow. The letter read {" and ".join(MARKUP)} and no more.
"""


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("app")


@pytest.fixture(scope="module")
def app_url(workdir: Path, tiny_qa_model: Path) -> Iterator[str]:
    """The real app over a copy of the seed articles, offering one model besides the built-in readers."""
    shutil.copytree(SEEDS, workdir / "articles")
    (workdir / "articles" / "letter.txt").write_text(MARKUP_ARTICLE, encoding="utf-8")
    options = ["--reader-model", str(tiny_qa_model)]
    with running_app(workdir / "articles", workdir / "index", workdir / "app.log", options) as url:
        yield url


@pytest.fixture(scope="module")
def page(browser: Browser, app_url: str) -> Iterator[Page]:
    page = open_chat(browser, app_url)
    yield page
    page.close()


def test_asks_and_shows_the_quoted_words_with_the_cited_span_marked(page: Page, workdir: Path) -> None:
    reply = ask(page, "What did Sung Kim say?")
    best = reply.locator(".qa-best")
    assert quotes_sung_kim(best.inner_text()) and "North Korea fires ballistic missile" in best.inner_text()
    assert not reply.locator("blockquote").first.is_visible()  # the sources wait, collapsed, under the answer
    text = open_sources(reply).inner_text()
    assert quotes_sung_kim(text)
    assert "[1]" in text and "seed-north-korea.txt" in text and "North Korea fires ballistic missile" in text
    marked = reply.locator("blockquote mark").first.inner_text()
    assert quotes_sung_kim(marked)
    assert re.search(r"characters \d+-\d+", text)
    page.screenshot(path=str(workdir / "answer.png"), full_page=True)
    assert (workdir / "answer.png").stat().st_size > 10_000


def test_a_follow_up_question_uses_the_conversation(page: Page) -> None:
    text = ask(page, "What did he say?").inner_text()
    assert "What did Sung Kim say?" in text
    assert quotes_sung_kim(text)


def test_he_is_the_person_the_previous_answer_named(browser: Browser, app_url: str) -> None:
    """Sung Kim is the name mentioned last; the previous answer named Kishida, and "he" is Kishida."""
    tab = open_chat(browser, app_url)
    assert quotes_sung_kim(ask(tab, "What did Sung Kim say?").inner_text())
    assert "Kishida" in ask(tab, "Who called the launches very regrettable?").inner_text()
    text = ask(tab, "How many ballistic missiles did he say there were?").inner_text()

    assert re.search(r"Understood as: How many ballistic missiles did [\w ]*Kishida say there were\?", text)
    assert "two" in text
    tab.close()


def test_a_pronoun_nothing_refers_to_is_asked_about(browser: Browser, app_url: str) -> None:
    tab = open_chat(browser, app_url)  # a new conversation: nobody for "she" to be
    assert ask(tab, "What did she say?").inner_text().strip() == "Who do you mean by 'she'?"
    tab.close()


def test_an_empty_or_blank_question_leaves_the_conversation_as_it_was(page: Page) -> None:
    conversation = page.locator("#qa-chat .message").all_inner_texts()
    assert len(conversation) >= 4  # the questions so far and their answers
    box = page.locator("#qa-question textarea")

    box.fill("")
    box.press("Enter")
    page.get_by_text("Type a question first.").wait_for()
    box.fill("   ")
    page.get_by_role("button", name="Ask", exact=True).click()
    time.sleep(2)  # a reply that would come, comes within this

    assert page.locator("#qa-chat .message").all_inner_texts() == conversation


def test_the_full_paragraph_opens_under_a_source(page: Page) -> None:
    reply = open_sources(ask(page, "Where did the intelligence chiefs meet?"))
    paragraph = reply.locator("details").first
    assert not paragraph.locator("blockquote").is_visible()
    paragraph.locator("summary").click()
    shown, marked = paragraph.locator("blockquote").inner_text(), paragraph.locator("blockquote mark").inner_text()
    excerpt = reply.locator(".qa-source > blockquote").first.inner_text()
    assert marked in excerpt and len(shown) > len(excerpt.strip("…"))


def test_a_question_the_articles_do_not_answer_is_declined(page: Page, workdir: Path) -> None:
    reply = ask(page, "Who won the 1998 World Cup final?")
    assert reply.inner_text().startswith("The articles do not answer this.")
    assert not reply.locator(".thought li").first.is_visible()  # the closest passages, collapsed
    assert "The closest passages" in reply.inner_text()
    page.screenshot(path=str(workdir / "declined.png"))


def test_a_question_in_another_language_is_told_why_it_is_declined(page: Page) -> None:
    text = ask(page, "¿Qué dijo Sung Kim a los periodistas sobre el diálogo?").inner_text()
    assert text.startswith("The articles do not answer this.")
    assert "This looks like Spanish" in text and "Try asking in English" in text


def test_an_uploaded_article_can_be_asked_about_at_once(page: Page, workdir: Path) -> None:
    upload = workdir / "lighthouse.txt"
    upload.write_text(NEW_ARTICLE, encoding="utf-8")
    page.locator("#qa-upload input[type=file]").set_input_files(str(upload))
    page.locator("#qa-add-files").click()
    page.wait_for_function(
        "document.querySelector('#qa-added').innerText.includes('Added')", timeout=ANSWER_SECONDS * 1000
    )
    assert "uploads/lighthouse.txt" in page.locator("#qa-added").inner_text()
    assert "Harbour town votes" in page.locator("#qa-articles").inner_text()
    assert (workdir / "articles" / "uploads" / "lighthouse.txt").read_text(encoding="utf-8") == NEW_ARTICLE

    text = open_sources(ask(page, "What did Agnes Whitcombe say?")).inner_text()
    assert "we will not let it go dark" in text
    assert "uploads/lighthouse.txt" in text
    page.screenshot(path=str(workdir / "uploaded.png"), full_page=True)


def test_a_bad_upload_is_refused_and_the_articles_stay_as_they_were(page: Page, workdir: Path) -> None:
    listed = page.locator("#qa-articles").inner_text()
    binary = workdir / "photo.txt"
    binary.write_bytes(bytes(range(256)) * 64)
    page.locator("#qa-upload input[type=file]").set_input_files(str(binary))
    page.locator("#qa-add-files").click()
    page.wait_for_function(
        "document.querySelector('#qa-added').innerText.includes('refused')", timeout=ANSWER_SECONDS * 1000
    )
    assert "photo.txt" in page.locator("#qa-added").inner_text()
    assert page.locator("#qa-articles").inner_text() == listed
    assert not (workdir / "articles" / "uploads" / "photo.txt").exists()


def test_pasted_html_is_shown_as_text_never_run(page: Page) -> None:
    page.locator("button[role=tab]", has_text="Paste an article").click()
    title, body = HOSTILE_ARTICLE.split("\n", 1)
    page.locator("#qa-paste-title textarea, #qa-paste-title input").first.fill(title)
    page.locator("#qa-paste-text textarea").fill(body)
    page.locator("#qa-add-text").click()
    page.wait_for_function(
        "document.querySelector('#qa-added').innerText.includes('Tarnby')", timeout=ANSWER_SECONDS * 1000
    )
    reply = open_sources(ask(page, "What did Olaf Brenning say?"))
    assert "<script>window.pwned=1</script>" in reply.inner_text()
    assert reply.locator("img, script").count() == 0
    assert page.evaluate("window.pwned === undefined")


def test_markup_in_an_article_is_shown_as_text_and_the_citation_stays_whole(page: Page) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    reply = open_sources(ask(page, "What did Petra Hollow say?"))
    for summary in reply.locator("details summary").all():  # a full paragraph longer than the passage shown
        summary.click()

    for quote in reply.locator("blockquote").all():  # the passage, and the full paragraph opened
        assert quote.locator("mark").inner_text() == "We will print every word of it on Friday"
        assert all(markup in quote.inner_text() for markup in MARKUP), quote.inner_text()
    assert f"[1] {MARKUP_TITLE}" in reply.inner_text()
    assert reply.locator("a, img, code, strong, em, .katex, math").count() == 0
    assert not [url for url in requested if "//127.0.0.1:9/" in url]


def test_a_liked_and_a_corrected_answer_land_in_the_feedback_file_that_qa_eval_replays(
    page: Page, workdir: Path
) -> None:
    feedback = workdir / "index" / "feedback.jsonl"
    page.locator("#qa-clear").click()
    page.wait_for_function("document.querySelectorAll('.message.bot').length === 0")
    liked = ask(page, "What did Kishida call the launches?").locator(".qa-best > b").inner_text()
    page.locator(".message-buttons button[title='Like']").last.click()
    page.get_by_text("Thanks: saved").first.wait_for()
    ask(page, "Who did he say fired the missiles?")
    page.locator(".message-buttons button[title='Dislike']").last.click()
    box = page.locator("#qa-correction-text textarea")
    box.wait_for(state="visible")
    box.fill("North Korea")
    page.locator("#qa-correction-save").click()
    box.wait_for(state="hidden")

    records = [json.loads(line) for line in feedback.read_text(encoding="utf-8").splitlines()]
    assert [record["kind"] for record in records] == ["liked", "disliked", "corrected"]
    assert records[0]["answers"] == [liked] and records[0]["history"] == []
    assert records[2]["answers"] == ["North Korea"]
    assert records[1]["history"] == records[2]["history"] == ["What did Kishida call the launches?"]
    replay = subprocess.run(
        [
            str(Path(sys.executable).with_name("qa")),
            "eval",
            str(feedback),
            "--index-dir",
            str(workdir / "index"),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert replay.returncode == 0, replay.stderr
    rows = json.loads(replay.stdout)["rows"]
    assert [row["question"] for row in rows] == [record["question"] for record in records]
    assert rows[0]["prediction"] == liked and rows[0]["f1"] == 1.0


def test_a_file_over_the_read_limit_is_taken_and_read_up_to_it(page: Page, workdir: Path) -> None:
    """30 MB: over Gradio's default upload limit and the 25 MB read limit; an article, then blank lines."""
    big = workdir / "export.txt"
    with big.open("w", encoding="utf-8") as out:
        out.write(NEW_ARTICLE.replace("Port Ellery", "Port Quillan").replace("Agnes Whitcombe", "Rosa Quillan"))
        out.write("\n" * 30_000_000)
    page.locator("button[role=tab]", has_text="Upload files").click()
    page.locator("#qa-upload input[type=file]").set_input_files(str(big))
    page.locator("#qa-upload").get_by_text("export.txt").wait_for(timeout=ANSWER_SECONDS * 1000)  # uploaded
    page.locator("#qa-add-files").click()
    page.wait_for_function(
        "document.querySelector('#qa-added').innerText.includes('export.txt')", timeout=ANSWER_SECONDS * 2000
    )
    assert "Added 1 article: uploads/export.txt" in page.locator("#qa-added").inner_text()
    assert "we will not let it go dark" in ask(page, "What did Rosa Quillan say?").inner_text()


def test_an_example_question_answers_when_clicked(page: Page) -> None:
    examples = page.locator("#qa-examples button")
    examples.nth(1).wait_for(timeout=120_000)  # found after "Ready", while questions are already answered
    question = examples.first.inner_text()
    before = page.locator(".message.bot").count()
    examples.first.click()
    assert "The articles do not answer this." not in settled_reply(page, before).inner_text()
    assert question in page.locator(".message.user").last.inner_text()


def test_tabs_asking_at_once_get_their_own_answers(browser: Browser, app_url: str) -> None:
    questions: dict[str, Callable[[str], bool]] = {
        "What did Sung Kim say?": quotes_sung_kim,
        "What did Agnes Whitcombe say?": lambda text: "go dark" in text,
    }
    pages = {question: open_chat(browser, app_url) for question in questions}
    for question, tab in pages.items():
        tab.locator("#qa-question textarea").fill(question)
    for tab in pages.values():
        tab.locator("#qa-question textarea").press("Enter")
    for question, tab in pages.items():
        text = settled_reply(tab, 0).inner_text()
        assert questions[question](text)
        assert not any(other(text) for asked, other in questions.items() if asked != question)
        tab.close()


def test_the_settings_offer_only_the_readers_the_app_was_started_with(
    browser: Browser, app_url: str, tiny_qa_model: Path
) -> None:
    tab = open_chat(browser, app_url)
    tab.get_by_role("button", name=re.compile(r"^Settings\W*$")).click()
    tab.locator("#qa-reader").wait_for(state="visible")  # the accordion opens after the click returns
    assert tab.get_by_text("Another QA model").count() == 0

    tab.locator("#qa-reader input").click()
    offered = [option.replace("✓", "").strip() for option in tab.get_by_role("option").all_inner_texts()]
    assert offered == ["Learned model (default)", "Learned model + rules' quotes", "Rules", tiny_qa_model.name]
    tab.get_by_role("option", name=tiny_qa_model.name).click()
    text = ask(tab, "What did Sung Kim say?").inner_text()
    assert "Source" in text or "The articles do not answer this." in text  # read by that model, not an error
    tab.close()
