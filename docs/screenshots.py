"""Take the README's screenshots of the chat, one per state, from the real app in headless Chromium.

    python docs/screenshots.py

Serves 300 BBC articles (the first 60 of each of `../shared`'s five BBC folders, copied to a temp folder) and writes
into `docs/`: `answer.png` (an answer with its source opened), `decline.png` (a question the articles do not
answer), `upload.png` (an upload of five files, summed up), `phone.png` (an answer on a 390 by 844 screen).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))

from tests.browser import ask, chromium, copy_sample, open_chat, open_sources, running_app  # noqa: E402

BBC = ROOT.parent / "shared" / "corpora" / "bbc-news"
PER_FOLDER = 60
ANSWERED = "How much did quarterly profits at TimeWarner jump?"
DECLINED = "Who won the 2018 FIFA World Cup?"
UPLOADED = 5


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch, chromium() as browser:
        work = Path(scratch)
        copy_sample(BBC, work / "articles", PER_FOLDER)
        with running_app(work / "articles", work / "index", work / "app.log") as url:
            page = open_chat(browser, url, viewport={"width": 1280, "height": 800})
            reply = open_sources(ask(page, ANSWERED))
            reply.locator(".thought blockquote mark").first.wait_for(state="visible")
            page.wait_for_timeout(1000)  # the source's opening animation
            page.screenshot(path=str(DOCS / "answer.png"))
            page.locator("#qa-clear").click()
            page.wait_for_function("document.querySelectorAll('.message.bot').length === 0")
            ask(page, DECLINED)
            page.screenshot(path=str(DOCS / "decline.png"))
            files = sorted((BBC / "tech").glob("*.txt"))[PER_FOLDER : PER_FOLDER + UPLOADED]
            page.locator("#qa-upload input[type=file]").set_input_files([str(file) for file in files])
            page.locator("#qa-add-files").click()
            page.wait_for_function("document.querySelector('#qa-added').innerText.startsWith('Added')")
            page.screenshot(path=str(DOCS / "upload.png"))
            phone = open_chat(browser, url, viewport={"width": 390, "height": 844})
            ask(phone, ANSWERED)
            phone.screenshot(path=str(DOCS / "phone.png"))
    for name in ("answer", "decline", "upload", "phone"):
        print(DOCS / f"{name}.png")


if __name__ == "__main__":
    main()
