"""Measure the chat app as a user meets it: `python app.py` to a page that answers, and Enter to the answer.

    python benchmarks/app_latency.py [--repeat 3] [--folders seeds bbc300]

For each folder (the bundled seeds; 300 BBC articles, the first 60 of each of `../shared`'s five BBC folders),
starts the real app twice on a copy (first with no index, then with the index built), opens it in headless
Chromium, and reports, from `python app.py`: the URL printed, the page ready, and the first answer on the page. Then
it asks its questions in the chat, `--repeat` times, timing each from the key press to the final answer on the page
(p50/p95). Needs the dev extra (Playwright) and Debian's chromium.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Browser  # noqa: E402

from benchmarks.ask_latency import DEFAULT_QUESTIONS  # noqa: E402
from tests.browser import ask, chromium, copy_sample, open_chat, running_app  # noqa: E402

BBC = ROOT.parent / "shared" / "corpora" / "bbc-news"
# Questions on the 300 BBC articles, of several kinds (a figure, a person, a quote, a place, a decline).
BBC_QUESTIONS = [
    "How much did quarterly profits at TimeWarner jump?",
    "Who is the chief executive of Time Warner?",
    "What did Alan Greenspan say about the dollar?",
    "Where did the G7 ministers meet?",
    "Who won the 2018 FIFA World Cup?",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--folders", nargs="+", choices=("seeds", "bbc300"), default=["seeds", "bbc300"])
    args = parser.parse_args()
    machine = f"{platform.machine()} {platform.system()}, {os.cpu_count()} cores, python {platform.python_version()}"
    print(f"machine: {machine}")
    with tempfile.TemporaryDirectory() as scratch, chromium() as browser:
        for name in args.folders:
            work = Path(scratch) / name
            if name == "seeds":
                shutil.copytree(ROOT / "seeds", work / "articles")
                questions = DEFAULT_QUESTIONS
            else:
                copy_sample(BBC, work / "articles", 60)
                questions = BBC_QUESTIONS
            _measure(browser, name, work, questions, args.repeat)


def _measure(browser: Browser, name: str, work: Path, questions: list[str], repeat: int) -> None:
    """Both starts on `work/articles`, then `questions` asked `repeat` times in the later start's page."""
    latencies: list[float] = []
    for start in ("first start (no index yet)", "later start (index built)"):
        began = time.perf_counter()
        with running_app(work / "articles", work / "index", work / "app.log") as url:
            listening = time.perf_counter()
            page = open_chat(browser, url)
            ready = time.perf_counter()
            ask(page, questions[0])
            answered = time.perf_counter()
            print(
                f"{name}, {start}: URL printed {listening - began:.1f} s, page ready {ready - began:.1f} s, "
                f"first answer on the page {answered - began:.1f} s after `python app.py`"
            )
            if start.startswith("later"):
                for _ in range(repeat):
                    page.locator("#qa-clear").click()  # a long chat renders only its latest messages
                    page.wait_for_function("document.querySelectorAll('.message.bot').length === 0")
                    for question in questions:
                        pressed = time.perf_counter()
                        ask(page, question)
                        latencies.append((time.perf_counter() - pressed) * 1000)
            page.close()
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
    print(
        f"{name}, Enter to answer on the page: {len(latencies)} questions, p50 {statistics.median(latencies):.0f} ms, "
        f"p95 {p95:.0f} ms, max {latencies[-1]:.0f} ms"
    )


if __name__ == "__main__":
    main()
