"""Measure how long the bot takes to start and to answer, on this machine.

    python benchmarks/ask_latency.py [--articles seeds] [--questions FILE.jsonl] [--repeat 3]
        [--index-dir DIR] [--reader NAME]

At BBC scale (the whole corpus indexed once in DIR, then reused), with the questions of bbc-dev:

    python benchmarks/ask_latency.py --articles bbc-news --index-dir DIR --questions ../shared/eval/bbc-dev.jsonl

Prints the start-up time (imports, models, index load or build) and per-question latency (p50/p95/max) with the
models loaded, over the questions of a JSONL file (`{"question": ...}` per line; default: a built-in list).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

STARTED = time.perf_counter()

DEFAULT_QUESTIONS = [
    "What did Sung Kim say?",
    "Who is Sung Kim?",
    "When did North Korea launch the ballistic missile?",
    "Where did the intelligence chiefs reportedly meet?",
    "How long have nuclear negotiations between Washington and Pyongyang been stalled?",
    "What has North Korea accused Seoul of?",
    "Who won the 2018 FIFA World Cup?",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", default=str(Path(__file__).resolve().parent.parent / "seeds"))
    parser.add_argument("--questions", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--index-dir", type=Path, default=None, help="Keep the index here (default: a temporary one).")
    parser.add_argument("--reader", default=None, help="The reader (default: the default reader).")
    args = parser.parse_args()
    questions = (
        [json.loads(line)["question"] for line in args.questions.read_text().splitlines() if line.strip()]
        if args.questions
        else DEFAULT_QUESTIONS
    )

    from qa import Bot

    imported = time.perf_counter()
    with tempfile.TemporaryDirectory() as temporary:
        index_dir = args.index_dir or temporary
        Bot(args.articles, index_dir, reader=args.reader, progress_bar=False)
        built = time.perf_counter()
        bot = Bot(args.articles, index_dir, reader=args.reader, progress_bar=False)  # index unchanged, models cached
        reopened = time.perf_counter()
        bot.ask(questions[0])  # first question pays for lazy initialisation
        latencies = []
        for _ in range(args.repeat):
            for question in questions:
                begin = time.perf_counter()
                bot.ask(question)
                latencies.append((time.perf_counter() - begin) * 1000)
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
    machine = f"{platform.machine()} {platform.system()}, {os.cpu_count()} cores, python {platform.python_version()}"
    print(f"machine: {machine}")
    print(f"imports (torch, haystack, spaCy):      {imported - STARTED:6.2f} s")
    print(f"first start (models + index open/build): {built - imported:6.2f} s")
    print(f"re-open unchanged index (models warm): {reopened - built:6.2f} s")
    print(
        f"ask, models loaded: {len(latencies)} questions, p50 {statistics.median(latencies):.0f} ms, "
        f"p95 {p95:.0f} ms, max {latencies[-1]:.0f} ms"
    )


if __name__ == "__main__":
    main()
