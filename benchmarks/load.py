"""Load the chat app as several users at once: answers per second, latency, errors, wrong answers and memory.

    python benchmarks/load.py [--askers 8] [--seconds 60] [--runs 3] [--max-questions 5000] [--corpus seeds]
        [--out benchmarks/results/load.json]

Starts the real app (`python app.py`, as `tests/browser.running_app` does) on a copy of the articles: the bundled
`seeds/` with the questions of `benchmarks/ask_latency.py`, or (`--corpus bbc`) the BBC articles that the
questions of `../shared/eval/bbc-dev.jsonl` come from, with those questions (the follow-ups left out). Each
question is first asked alone, to learn its answer. Then, `--runs` times, `--askers` threads ask for `--seconds`
(and `--max-questions` in all at most), each through the app's HTTP API with `gradio_client`, each question as a
new conversation (a new session, as a new tab), the threads taking the questions in turn from different places so
that different questions are in flight at once.

It reports, per run: answers per second, p50/p95 latency, errors (a failed call or a "Sorry, that failed"),
answers that are not the one asked alone ("wrong"), and among them those that are another question's answer
("crossed"); and the resident memory of the app (with its child processes) before the first run and after each,
with the growth after the first run, which a bounded app keeps small. The machine's load average goes with it: on
a shared machine, other work slows every figure (memory figures too are noisy by a few MB).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.ask_latency import DEFAULT_QUESTIONS  # noqa: E402
from benchmarks.machine import load, machine, percentiles  # noqa: E402
from tests.browser import running_app  # noqa: E402

SHARED = ROOT.parent / "shared"
BBC = SHARED / "corpora" / "bbc-news"
BBC_DEV = SHARED / "eval" / "bbc-dev.jsonl"
READER = "learned"
TOP_K = 5
# What identifies an answer on the page: the top answer's text, or the reply's sentence when there is none.
_MARKS = (
    re.compile(r'<p class="qa-best"><b>(.*?)</b>', re.S),
    re.compile(r'<p class="qa-declined"><b>(.*?)</b>', re.S),
    re.compile(r'<p class="qa-clarify">(.*?)</p>', re.S),
)
_FAILED = "Sorry, that failed"


@dataclass
class Run:
    """What one run of the load measured."""

    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    wrong: int = 0
    crossed: int = 0
    rss_mb: float = 0.0
    load: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def summary(self) -> dict[str, Any]:
        answers = len(self.latencies_ms)
        return {
            "answers": answers,
            "answers_per_s": round(answers / self.seconds, 2) if self.seconds else 0.0,
            **(percentiles(self.latencies_ms) if answers else {"p50": 0.0, "p95": 0.0}),
            "errors": self.errors,
            "wrong": self.wrong,
            "crossed": self.crossed,
            "rss_mb": self.rss_mb,
            "load": self.load,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--askers", type=int, default=8, help="threads asking at once")
    parser.add_argument("--seconds", type=float, default=60, help="how long each run asks")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-questions", type=int, default=5000, help="questions per run at most")
    parser.add_argument("--corpus", choices=["seeds", "bbc"], default="seeds")
    parser.add_argument("--out", type=Path, default=None, help="also write the results here as JSON")
    parser.add_argument("--app-option", action="append", default=[], help="pass this flag on to app.py")
    args = parser.parse_args()
    from gradio_client import Client

    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        questions = _corpus(args.corpus, work / "articles")
        with running_app(work / "articles", work / "index", work / "app.log", args.app_option) as url:
            app = _app_process()
            clients = [Client(url, verbose=False) for _ in range(args.askers)]
            expected = {question: _mark(_ask(clients[0], question)) for question in questions}
            before = _rss_mb(app)
            print(f"machine: {machine()}")
            print(f"{len(questions)} questions, {args.askers} askers, {args.seconds:g} s per run; RSS {before} MB")
            runs = []
            for number in range(1, args.runs + 1):
                run = _run(clients, questions, expected, args.seconds, args.max_questions)
                run.rss_mb, run.load = _rss_mb(app), load()
                runs.append(run.summary())
                print(_line(number, runs[-1]))
    growth = (runs[-1]["rss_mb"] - runs[0]["rss_mb"]) / runs[0]["rss_mb"] * 100 if runs else 0.0
    print(f"RSS before {before} MB, after each run {[run['rss_mb'] for run in runs]} MB; after run 1: {growth:+.1f}%")
    if args.out is not None:
        results = {"machine": machine(), "settings": _settings(args), "rss_before_mb": before, "runs": runs}
        results["growth_after_run_1_percent"] = round(growth, 2)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


def _corpus(name: str, articles: Path) -> list[str]:
    """Copy the articles of `name` into `articles`; the questions to ask about them."""
    if name == "seeds":
        shutil.copytree(ROOT / "seeds", articles)
        return list(DEFAULT_QUESTIONS)
    if not BBC_DEV.is_file():
        raise SystemExit(f"--corpus bbc needs {BBC_DEV}, which is not beside this checkout.")
    rows = [json.loads(line) for line in BBC_DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [row for row in rows if not row.get("history")]
    for relative in {row["file"] for row in rows if row["file"]}:
        (articles / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(BBC / relative, articles / relative)
    return [row["question"] for row in rows]


def _run(clients: list[Any], questions: list[str], expected: dict[str, str], seconds: float, cap: int) -> Run:
    """`clients` asking `questions` in turn, each from its own place in the list, for `seconds` or `cap` questions."""
    run, asked = Run(), iter(range(cap))
    began = time.perf_counter()
    deadline = began + seconds
    marks = set(expected.values())

    def asker(number: int, client: Any) -> None:
        turn = number * len(questions) // len(clients)
        while time.perf_counter() < deadline and next(asked, None) is not None:
            question = questions[turn % len(questions)]
            turn += 1
            start = time.perf_counter()
            try:
                reply = _ask(client, question)
            except Exception as error:  # counted, not fatal: the load goes on
                with run.lock:
                    run.errors += 1
                print(f"error: {question!r}: {error}", file=sys.stderr)
                continue
            elapsed = (time.perf_counter() - start) * 1000
            mark = _mark(reply)
            with run.lock:
                run.latencies_ms.append(elapsed)
                run.errors += _FAILED in reply
                if mark != expected[question]:
                    run.wrong += 1
                    run.crossed += mark in marks
                    print(f"wrong: {question!r}: {mark!r}, alone {expected[question]!r}", file=sys.stderr)

    threads = [threading.Thread(target=asker, args=item) for item in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run.seconds = time.perf_counter() - began
    return run


def _ask(client: Any, question: str) -> str:
    """The app's final reply to `question` asked as a new conversation, as the page's question box sends it."""
    client.reset_session()
    history = [{"role": "user", "content": [{"type": "text", "text": question}]}]
    messages = client.predict(history, TOP_K, READER, False, api_name="/respond")
    content = messages[-1]["content"]
    return str(content[0]["text"] if isinstance(content, list) else content)


def _mark(reply: str) -> str:
    """What tells `reply` from the replies to other questions: the top answer, else why there is none."""
    for pattern in _MARKS:
        found = pattern.search(reply)
        if found:
            return found.group(1)
    return reply


def _app_process() -> int:
    """The process id of the app this process started (`running_app` starts it as a child)."""
    children = [pid for pid in _children(Path("/proc/self").resolve().name) if b"app.py" in _cmdline(pid)]
    if not children:
        raise RuntimeError("the app's process was not found among this process's children")
    return int(children[0])


def _rss_mb(pid: int) -> float:
    """The resident memory of process `pid` and all its descendants, in MB."""
    total, pending = 0, [str(pid)]
    while pending:
        current = pending.pop()
        status = Path(f"/proc/{current}/status")
        try:
            text = status.read_text()
        except OSError:  # it ended meanwhile
            continue
        total += next((int(line.split()[1]) for line in text.splitlines() if line.startswith("VmRSS:")), 0)
        pending += _children(current)
    return round(total / 1024, 1)


def _children(pid: str) -> list[str]:
    found: list[str] = []
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += children.read_text().split()
        except OSError:
            continue
    return found


def _cmdline(pid: str) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    return {key: str(value) if isinstance(value, Path) else value for key, value in vars(args).items()}


def _line(number: int, run: dict[str, Any]) -> str:
    return (
        f"run {number}: {run['answers']} answers, {run['answers_per_s']} answers/s, p50 {run['p50'] / 1000:.2f} s, "
        f"p95 {run['p95'] / 1000:.2f} s, errors {run['errors']}, wrong {run['wrong']} (crossed {run['crossed']}), "
        f"RSS {run['rss_mb']} MB, load {run['load']}"
    )


if __name__ == "__main__":
    main()
