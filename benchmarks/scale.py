"""Measure how indexing and answering cost grow with the corpus, on this machine.

    python benchmarks/scale.py [--sizes 1000,10000,100000] [--queries 200] [--work /tmp/qa-scale]
                               [--out benchmarks/results/scale.json] [--queries-only]

For each size (in passages) it makes a corpus, deterministic for a seed: real BBC articles
(`../shared/corpora/bbc-news`) while they last (about 13,900 passages), then synthetic articles of BBC sentences
drawn at random. Each size runs in two fresh processes, so that sizes do not pollute each other's memory:

- build: index the corpus from nothing; passages per second (reading, splitting, embedding, BM25, FAISS, all
  included), peak RSS of the process (`ru_maxrss`) and the RSS with the models loaded before indexing began;
- query: open the built index with a `Bot`; its resident memory (RSS after minus RSS before, models already
  loaded), size on disk, retrieval-only and full `Bot.ask` latency p50/p95 over SQuAD dev questions
  (`../shared/eval/squad-v1.1-dev.json`), and exact (flat) against approximate (HNSW) FAISS search over the same
  vectors: latency p50/p95 and the approximate index's recall@10 against the exact one.

It prints a table and merges the results into the JSON file by size, with a description of the machine, so that
sizes measured by separate runs end up in one file; `--queries-only` re-measures the query side of indexes an
earlier run built. Corpora and indexes stay under `--work` (not the repo). The machine's load average is recorded
with each phase: on a shared machine, other work slows every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.machine import load, machine, percentiles  # noqa: E402

SHARED = ROOT.parent / "shared"
BBC = SHARED / "corpora" / "bbc-news"
SQUAD = SHARED / "eval" / "squad-v1.1-dev.json"
SEED = 20240501
SYNTHETIC_SENTENCES = (10, 20)  # sentences per synthetic article, at least and at most
RECALL_K = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000", help="corpus sizes in passages, comma-separated")
    parser.add_argument("--queries", type=int, default=200, help="SQuAD dev questions asked per size")
    parser.add_argument("--work", type=Path, default=Path("/tmp/qa-scale"), help="where corpora and indexes go")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "scale.json")
    parser.add_argument(
        "--queries-only", action="store_true", help="re-measure the query side of indexes built by an earlier run"
    )
    parser.add_argument("--phase", choices=["build", "query"], help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--index", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "build":
        print(json.dumps(build(args.corpus, args.index)))
    elif args.phase == "query":
        print(json.dumps(query(args.corpus, args.index, args.queries)))
    else:
        sizes = [int(size.replace("_", "")) for size in args.sizes.split(",")]
        run(sizes, args.queries, args.work, args.out, args.queries_only)


def run(sizes: list[int], queries: int, work: Path, out: Path, queries_only: bool = False) -> None:
    """Measure each size in fresh processes; merge into `out`; print the table of every size in it."""
    for size in sizes:
        corpus, index = work / f"corpus-{size}", work / f"index-{size}"
        if queries_only:
            built = json.loads(out.read_text(encoding="utf-8"))["sizes"][str(size)]
        else:
            make_corpus(corpus, size)
            shutil.rmtree(index, ignore_errors=True)
            built = _child("build", corpus, index, queries)
        command = f"python benchmarks/scale.py --sizes {size}" + (" --queries-only" if queries_only else "")
        measured = {**built, **_child("query", corpus, index, queries), "command": command}
        # read just before writing: another run (another size) may have written meanwhile
        results = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {"sizes": {}}
        results["sizes"][str(size)] = measured
        results["machine"] = machine()
        results.pop("command", None)  # one command per size now (above); early runs wrote a single one here
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(table(results))


def _child(phase: str, corpus: Path, index: Path, queries: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--phase", phase, "--corpus", str(corpus), "--index", str(index)]
    command += ["--queries", str(queries)]
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, env=environment, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --- corpora ---------------------------------------------------------------------------------------------------


def make_corpus(folder: Path, passages: int) -> None:
    """Write a corpus of at least `passages` passages (by this project's splitter) to `folder`, unless it is there."""
    done = folder / ".done"
    if done.exists() and json.loads(done.read_text())["seed"] == SEED:
        return
    from qa.index.passages import split_sentences
    from qa.index.settings import IndexSettings
    from qa.ingest.files import article_files
    from qa.ingest.read import read_files

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    splitter = IndexSettings().splitter()
    paths = list(article_files(BBC))
    random.Random(SEED).shuffle(paths)
    articles = [
        (path, found) for path, corpus in zip(paths, read_files(BBC, paths), strict=True) for found in corpus.articles
    ]
    count, written = 0, 0
    for path, article in articles:
        if count >= passages:
            break
        target = folder / path.relative_to(BBC)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        count, written = count + len(splitter.split(article)), written + 1
    sentences = [a.body.text[s:e] for _, a in articles for s, e in split_sentences(a.body.text)]
    titles = [a.title for _, a in articles]
    rng = random.Random(SEED)
    synthetic = 0
    while count < passages:
        chosen = rng.sample(sentences, rng.randint(*SYNTHETIC_SENTENCES))
        paragraphs = "\n\n".join(" ".join(chosen[i : i + 3]) for i in range(0, len(chosen), 3))
        path = folder / "synthetic" / f"{synthetic // 1000:03d}" / f"{synthetic:06d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{rng.choice(titles)} ({synthetic})\n\n{paragraphs}\n", encoding="utf-8")
        [corpus] = read_files(folder, [path])
        count += sum(len(splitter.split(article)) for article in corpus.articles)
        synthetic += 1
    done.write_text(json.dumps({"seed": SEED, "passages": count, "real": written, "synthetic": synthetic}))


# --- the two phases, each in its own process -------------------------------------------------------------------


def build(corpus: Path, index_dir: Path) -> dict[str, Any]:
    from qa.index.index import Index
    from qa.index.settings import IndexSettings, document_embedder

    document_embedder(IndexSettings()).warm_up()  # loaded once; the index's embedder reuses it
    models_rss = _rss_mb()
    started = time.perf_counter()
    index, report = Index.open(corpus, index_dir)
    seconds = time.perf_counter() - started
    return {
        "articles": report.articles,
        "passages": report.passages,
        "approximate": bool(getattr(index.store, "approximate", False)),
        "build_s": round(seconds, 1),
        "passages_per_s": round(report.passages / seconds, 1),
        "build_models_rss_mb": models_rss,
        "build_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "build_load_average": load(),
    }


def query(corpus: Path, index_dir: Path, count: int) -> dict[str, Any]:
    import numpy as np

    from qa import Bot
    from qa.ask.retrieve import retrieval_pipeline
    from qa.index.settings import IndexSettings, document_embedder, text_embedder
    from qa.index.stores.faiss_store import FaissStore, empty_index
    from qa.nlp import load_spacy

    questions = squad_questions(count)
    settings = IndexSettings()
    document_embedder(settings).warm_up()
    embedder = text_embedder(settings)
    embedder.warm_up()
    load_spacy()
    before = _rss_mb()
    bot = Bot(corpus, index_dir, top_k=5, progress_bar=False)
    opened = _rss_mb()
    assert isinstance(bot.index.store, FaissStore), "the benchmark measures the FAISS store"
    generation = index_dir / bot.index.manifest["generation"]
    retrieval = retrieval_pipeline(bot.index, settings, top_k=5)
    retrieval.warm_up()
    bot.ask(questions[0])  # lazy initialisation is paid once, not per question

    def retrieve(question: str) -> None:
        retrieval.run({"embedder": {"text": question}, "bm25": {"query": question}})

    vectors_rows, vectors = bot.index.store.all_vectors()
    embeddings = np.asarray([embedder.run(text=q)["embedding"] for q in questions], dtype="float32")
    exact = empty_index(approximate=False)
    exact.add(vectors)
    started = time.perf_counter()
    approximate = empty_index(approximate=True)
    approximate.add(vectors)
    hnsw_build = time.perf_counter() - started
    exact_found = [exact.search(e[None, :], RECALL_K)[1][0] for e in embeddings]
    approximate_found = [approximate.search(e[None, :], RECALL_K)[1][0] for e in embeddings]
    pairs = zip(approximate_found, exact_found, strict=True)
    recall = statistics.mean(len(set(found) & set(truth)) / RECALL_K for found, truth in pairs)
    passages = len(vectors_rows)
    return {
        "disk_mb": round(sum(p.stat().st_size for p in generation.rglob("*") if p.is_file()) / 2**20, 1),
        "index_rss_mb": round(opened - before),
        "index_rss_bytes_per_passage": round((opened - before) * 2**20 / passages),
        "retrieval_ms": _latency(retrieve, questions),
        "ask_ms": _latency(bot.ask, questions),
        "exact_search_ms": _latency(lambda e: exact.search(e[None, :], RECALL_K), list(embeddings)),
        "approximate_search_ms": _latency(lambda e: approximate.search(e[None, :], RECALL_K), list(embeddings)),
        "approximate_build_s": round(hnsw_build, 1),
        "approximate_recall_at_10": round(recall, 4),
        "queries": len(questions),
        "query_load_average": load(),
    }


def squad_questions(count: int) -> list[str]:
    """`count` SQuAD v1.1 dev questions, drawn with the benchmark's seed."""
    data = json.loads(SQUAD.read_text(encoding="utf-8"))["data"]
    questions = [qa["question"] for article in data for paragraph in article["paragraphs"] for qa in paragraph["qas"]]
    return random.Random(SEED).sample(questions, count)


def _latency(call: Any, inputs: list[Any]) -> dict[str, float]:
    times = []
    for item in inputs:
        started = time.perf_counter()
        call(item)
        times.append((time.perf_counter() - started) * 1000)
    return percentiles(times)


def _rss_mb() -> float:
    """This process's resident memory now, in MB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError("No VmRSS in /proc/self/status: this benchmark reads memory the Linux way.")


# --- reporting -------------------------------------------------------------------------------------------------


def table(results: dict[str, Any]) -> str:
    rows = [
        ("passages", lambda r: f"{r['passages']:,}"),
        ("search kind", lambda r: "HNSW" if r["approximate"] else "exact"),
        ("indexing, passages/s", lambda r: f"{r['passages_per_s']:.1f}"),
        ("indexing time", lambda r: f"{r['build_s'] / 60:.1f} min"),
        ("peak RSS while indexing", lambda r: f"{r['build_peak_rss_mb']:,} MB"),
        ("  of which models", lambda r: f"{r['build_models_rss_mb']:,.0f} MB"),
        ("index on disk", lambda r: f"{r['disk_mb']:,.1f} MB"),
        ("index in memory (opened)", lambda r: f"{r['index_rss_mb']:,} MB"),
        ("  per passage", lambda r: f"{r['index_rss_bytes_per_passage']:,} B"),
        ("retrieval p50 / p95", lambda r: _pair(r["retrieval_ms"])),
        ("Bot.ask p50 / p95", lambda r: _pair(r["ask_ms"])),
        ("exact search p50 / p95", lambda r: _pair(r["exact_search_ms"])),
        ("HNSW search p50 / p95", lambda r: _pair(r["approximate_search_ms"])),
        ("HNSW recall@10 vs exact", lambda r: f"{r['approximate_recall_at_10']:.3f}"),
        ("HNSW build", lambda r: f"{r['approximate_build_s']:.1f} s"),
    ]
    sizes = sorted(results["sizes"], key=int)
    lines = [f"| {'':26} | " + " | ".join(f"{int(s):>14,}" for s in sizes) + " |"]
    lines.append("|" + "-" * 28 + "|" + "|".join("-" * 16 for _ in sizes) + "|")
    for name, cell in rows:
        lines.append(f"| {name:26} | " + " | ".join(f"{cell(results['sizes'][s]):>14}" for s in sizes) + " |")
    return "\n".join(lines)


def _pair(latency: dict[str, float]) -> str:
    return f"{latency['p50']:.1f} / {latency['p95']:.1f} ms"


if __name__ == "__main__":
    main()
