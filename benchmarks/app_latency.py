"""Measure the chat app as a user meets it: `python app.py` to a page that answers, and Enter to the answer.

    python benchmarks/app_latency.py [--repeat 3]

Starts the real app twice on a copy of the seed articles (first with no index, then with the index built), opens
it in headless Chromium, and asks the questions of `benchmarks/ask_latency.py` in the chat, timing each from the
key press to the final answer on the page. Needs the dev extra (Playwright) and Debian's chromium.
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

from benchmarks.ask_latency import DEFAULT_QUESTIONS  # noqa: E402
from tests.browser import ask, chromium, open_chat, running_app  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch, chromium() as browser:
        work = Path(scratch)
        shutil.copytree(ROOT / "seeds", work / "articles")
        for start in ("first start (no index yet)", "later start (index built)"):
            began = time.perf_counter()
            with running_app(work / "articles", work / "index", work / "app.log") as url:
                listening = time.perf_counter()
                page = open_chat(browser, url)
                ready = time.perf_counter()
                ask(page, DEFAULT_QUESTIONS[0])
                answered = time.perf_counter()
                print(
                    f"{start}: URL printed {listening - began:.1f} s, page ready {ready - began:.1f} s, "
                    f"first answer on the page {answered - began:.1f} s after `python app.py`"
                )
                latencies = []
                for _ in range(args.repeat):
                    page.locator("#qa-clear").click()  # a long chat renders only its latest messages
                    page.wait_for_function("document.querySelectorAll('.message.bot').length === 0")
                    for question in DEFAULT_QUESTIONS:
                        pressed = time.perf_counter()
                        ask(page, question)
                        latencies.append((time.perf_counter() - pressed) * 1000)
                page.close()
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
    machine = f"{platform.machine()} {platform.system()}, {os.cpu_count()} cores, python {platform.python_version()}"
    print(f"machine: {machine}")
    print(
        f"Enter to answer on the page: {len(latencies)} questions, p50 {statistics.median(latencies):.0f} ms, "
        f"p95 {p95:.0f} ms, max {latencies[-1]:.0f} ms"
    )


if __name__ == "__main__":
    main()
