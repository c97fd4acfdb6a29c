"""Where the time goes, on this machine: the encoder, indexing, a question stage by stage, the app's start, `qa ask`.

    python benchmarks/speed.py [--articles ../shared/corpora/bbc-news] [--questions ../shared/eval/bbc-dev.jsonl]
        [--index-dir DIR] [--reuse-index] [--sample 1024] [--repeat 2] [--skip-app]

1. The raw encoder: `--sample` real passages of the corpus embedded by the MiniLM encoder alone, in float32 and in
   bfloat16 (passages/s), and the lowest cosine between the two embeddings of a passage.
2. Indexing: the whole folder indexed from nothing into `--index-dir` (passages/s, and its ratio to the raw
   encoder's throughput in the precision `QA_PRECISION` chooses, measured in step 1 of the same run). With
   `--reuse-index` the index already there is opened instead.
3. `Bot.ask` with the default reader over that index: p50/p95 of every stage (Haystack's tracing times each
   pipeline component; "cite and rest" is the remainder: follow-up resolution, offsets into the files, checks)
   and of the whole call, over the questions of `--questions`, `--repeat` times.
4. The app: `python app.py` on that index, opened in headless Chromium: until the page shows, and until it has
   answered its first question (skipped with `--skip-app`).
5. A cold `qa ask` in a new process: imports, models, index, one answer.

Prints one table and writes `benchmarks/results/speed.json` with the machine, its load average before and after
each step, and the command.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from haystack import tracing  # noqa: E402
from haystack.tracing.tracer import NullSpan, Span, Tracer  # noqa: E402

from benchmarks.machine import load, machine, percentiles  # noqa: E402

SHARED = ROOT.parent / "shared"
RESULTS = ROOT / "benchmarks" / "results" / "speed.json"
STAGES = {"embedder": "embed", "dense": "dense", "bm25": "BM25", "joiner": "fuse", "reader": "read"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=Path, default=SHARED / "corpora" / "bbc-news")
    parser.add_argument("--questions", type=Path, default=SHARED / "eval" / "bbc-dev.jsonl")
    parser.add_argument("--index-dir", type=Path, default=None, help="Where to build the index (default: a temp dir).")
    parser.add_argument("--reuse-index", action="store_true", help="Open the index in --index-dir, do not rebuild.")
    parser.add_argument("--sample", type=int, default=1024, help="Passages for the raw encoder.")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--skip-app", action="store_true")
    args = parser.parse_args()
    if args.reuse_index and args.index_dir is None:
        parser.error("--reuse-index needs --index-dir")
    from qa import config

    config.offline()
    results: dict[str, Any] = {"command": " ".join(["python", *sys.argv]), "machine": machine(), "load": {}}
    with tempfile.TemporaryDirectory() as scratch:
        index_dir = args.index_dir or Path(scratch) / "index"
        steps = [
            ("encoder", lambda: encoder(args.articles, args.sample)),
            ("indexing", lambda: indexing(args.articles, index_dir, args.reuse_index)),
            ("ask", lambda: asking(args.articles, index_dir, questions(args.questions), args.repeat)),
            ("cold_ask", lambda: cold_ask(args.articles, index_dir, questions(args.questions)[0])),
        ]
        if not args.skip_app:
            steps.insert(3, ("app", lambda: app(args.articles, index_dir, Path(scratch))))
        for name, step in steps:
            before = load()
            print(f"{name} ...", file=sys.stderr, flush=True)
            results[name] = step()
            results["load"][name] = {"before": before, "after": load()}
    if "passages_per_s" in results["indexing"]:
        raw = results["encoder"]["bf16" if results["indexing"]["bf16"] else "fp32"]["passages_per_s"]
        results["indexing"]["ratio_to_raw"] = round(results["indexing"]["passages_per_s"] / raw, 3)
    print(table(results))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")


def questions(path: Path) -> list[str]:
    return [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def sample_passages(folder: Path, count: int) -> list[str]:
    """The embedded texts of `count` passages from files spread evenly over the folder (every folder counts)."""
    from qa.index.embed import passage_text
    from qa.index.settings import IndexSettings
    from qa.ingest.files import article_files
    from qa.ingest.read import read_files

    paths = sorted(article_files(folder))
    spread = paths[:: max(1, len(paths) // max(1, count // 5))]
    splitter = IndexSettings().splitter()
    texts: list[str] = []
    for found in read_files(folder, spread):
        texts += [passage_text(document) for article in found.articles for document in splitter.split(article)]
        if len(texts) >= count:
            break
    return texts[:count]


def encoder(folder: Path, count: int) -> dict[str, Any]:
    """The encoder alone on real passages, in both precisions (a first batch warms it up)."""
    import numpy as np

    from qa.index.embed import load_encoder
    from qa.index.settings import IndexSettings

    texts = sample_passages(folder, count)
    model = load_encoder(IndexSettings().model_path())
    model.encode(texts[:32], bf16=True)
    result: dict[str, Any] = {"passages": len(texts)}
    embeddings = {}
    for name in ("fp32", "bf16"):
        started = time.perf_counter()
        embeddings[name] = model.encode(texts, bf16=name == "bf16")
        result[name] = {"passages_per_s": round(len(texts) / (time.perf_counter() - started), 1)}
    result["lowest_cosine"] = round(float(np.min((embeddings["fp32"] * embeddings["bf16"]).sum(axis=1))), 5)
    return result


def indexing(folder: Path, index_dir: Path, reuse: bool) -> dict[str, Any]:
    """The folder indexed from nothing (reading, splitting, embedding, FAISS, BM25, all included)."""
    from qa import precision
    from qa.index.index import Index

    started = time.perf_counter()
    _, report = Index.open(folder, index_dir, rebuild=not reuse, progress_bar=False)
    seconds = time.perf_counter() - started
    result = {"articles": report.articles, "passages": report.passages, "bf16": precision.bf16()}
    if reuse:
        return {**result, "reused": True, "open_s": round(seconds, 2)}
    return {**result, "seconds": round(seconds, 1), "passages_per_s": round(report.passages / seconds, 1)}


class StageTimer(Tracer):
    """A Haystack tracer that adds up the time of each pipeline component's runs."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    @contextlib.contextmanager
    def trace(
        self, operation_name: str, tags: dict[str, Any] | None = None, parent_span: Span | None = None
    ) -> Iterator[Span]:
        started = time.perf_counter()
        try:
            yield NullSpan()
        finally:
            if operation_name == "haystack.component.run" and tags:
                self.seconds[tags["haystack.component.name"]] += time.perf_counter() - started

    def current_span(self) -> Span | None:
        return None


def asking(folder: Path, index_dir: Path, asked: list[str], repeat: int) -> dict[str, Any]:
    """`Bot.ask` over the index, stage by stage; three questions first warm every model up."""
    from qa import Bot, config

    bot = Bot(folder, index_dir, progress_bar=False)
    for question in asked[:3]:
        bot.ask(question)
    timer = StageTimer()
    tracing.enable_tracing(timer)
    stages: dict[str, list[float]] = defaultdict(list)
    try:
        for question in asked * repeat:
            timer.seconds.clear()
            started = time.perf_counter()
            bot.ask(question)
            total = (time.perf_counter() - started) * 1000
            for component, stage in STAGES.items():
                stages[stage].append(timer.seconds[component] * 1000)
            stages["cite and rest"].append(total - sum(timer.seconds.values()) * 1000)
            stages["total"].append(total)
    finally:
        tracing.disable_tracing()
    return {
        "questions": len(asked) * repeat,
        "passages": bot.index.store.count(),
        "reader": bot.reader or config.DEFAULT_READER,
    } | {stage: percentiles(times) for stage, times in stages.items()}


def app(folder: Path, index_dir: Path, scratch: Path) -> dict[str, Any]:
    """`python app.py` on the built index until the page is ready, and until its first answer is on the page."""
    from tests.browser import ask, chromium, open_chat, running_app

    with chromium() as browser:
        started = time.perf_counter()
        with running_app(folder, index_dir, scratch / "app.log") as url:
            page = open_chat(browser, url)
            ready = time.perf_counter()
            ask(page, "What did Sung Kim say?")
            answered = time.perf_counter()
    return {"page_ready_s": round(ready - started, 2), "first_answer_s": round(answered - started, 2)}


def cold_ask(folder: Path, index_dir: Path, question: str, runs: int = 3) -> dict[str, Any]:
    """`qa ask` from a new process, as a shell runs it: the median of `runs` runs."""
    qa = shutil.which("qa", path=str(Path(sys.executable).parent)) or "qa"
    command = [qa, "ask", question, "--articles", str(folder), "--index-dir", str(index_dir)]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return {"runs": runs, "median_s": round(sorted(times)[runs // 2], 2), "max_s": round(max(times), 2)}


def table(results: dict[str, Any]) -> str:
    encoder, indexing, asked = results["encoder"], results["indexing"], results["ask"]
    rows = [
        ("raw encoder fp32", f"{encoder['fp32']['passages_per_s']} passages/s ({encoder['passages']} passages)"),
        (
            "raw encoder bf16",
            f"{encoder['bf16']['passages_per_s']} passages/s (lowest cosine {encoder['lowest_cosine']})",
        ),
    ]
    if "passages_per_s" in indexing:
        precision = "bf16" if indexing["bf16"] else "fp32"
        rows.append(
            (
                "indexing",
                f"{indexing['passages_per_s']} passages/s, {indexing['passages']:,} passages in {indexing['seconds']} s"
                f" = {indexing['ratio_to_raw']:.0%} of raw {precision}",
            )
        )
    else:
        rows.append(("index opened", f"{indexing['passages']:,} passages in {indexing['open_s']} s"))
    for stage in [*STAGES.values(), "cite and rest", "total"]:
        rows.append((f"Bot.ask {stage}", f"p50 {asked[stage]['p50']:.1f} ms, p95 {asked[stage]['p95']:.1f} ms"))
    if "app" in results:
        app = results["app"]
        rows.append(("app launch to page ready", f"{app['page_ready_s']} s"))
        rows.append(("app launch to first answer", f"{app['first_answer_s']} s"))
    rows.append(("cold `qa ask`", f"{results['cold_ask']['median_s']} s (median of {results['cold_ask']['runs']})"))
    width = max(len(name) for name, _ in rows)
    header = f"{results['machine']['cpu']}, {results['machine']['cores']} cores; {asked['questions']} asks over"
    lines = [f"{header} {asked['passages']:,} passages, reader {asked['reader']}", ""]
    lines += [f"| {'':{width}} | measured |", f"|{'-' * (width + 2)}|----------|"]
    lines += [f"| {name:{width}} | {value} |" for name, value in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
