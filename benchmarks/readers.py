"""Compare the readers, and their combinations, on held-out SQuAD articles and on the news seed questions.

    python benchmarks/readers.py [--squad ../shared/eval/squad-v1.1-dev.json] [--index-dir DIR] [--limit N]

Every figure comes from `qa.evaluation` (the code behind `qa eval`), over the nine SQuAD articles that training
leaves out:

- closed-book: each question read with its own paragraph (`qa eval FILE --held-out --closed-book --reader R`);
- open-book: the held-out questions asked of the whole file's 48 articles (`qa eval FILE --held-out --reader R`);
- seed: `../shared/eval/seed-dev.jsonl` over the bundled article (`qa eval seed-dev.jsonl --articles seeds`);
- news: the four sets of news articles and questions in `tests/data/heldout*/`.

The combinations are the hybrid reader with different `rule_kinds` (the rule answers that may widen the
model's); the learned reader is also measured with
int8 quantization, for the accuracy that quantization costs. Reader-only latency is the reader's `run` over the
top-5 passages the bot retrieved, model loaded. Results are merged into `benchmarks/results/readers.json` (by reader).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "eval"
# name -> (reader, rule kinds that may widen the model's answer, quantized)
COMBINATIONS: dict[str, tuple[str, frozenset[str] | None, bool]] = {
    "rules": ("rules", None, False),
    "learned": ("learned", None, False),
    "learned (int8)": ("learned", None, True),
    "hybrid (default)": ("hybrid", frozenset({"quote", "description"}), False),
    "hybrid: quotes only": ("hybrid", frozenset({"quote"}), False),
    "hybrid: any overlapping rule answer": (
        "hybrid",
        frozenset({"quote", "description", "entity", "phrase", "instance", "sentence"}),
        False,
    ),
}
# News articles and questions written apart from the rules (see tests/test_bot.py).
NEWS = [ROOT / "tests" / "data" / name for name in ("heldout", "heldout2", "heldout3", "heldout4")]
OPEN_BOOK = ("rules", "learned", "hybrid (default)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--squad", type=Path, default=SHARED / "squad-v1.1-dev.json")
    parser.add_argument("--seed-dev", type=Path, default=SHARED / "seed-dev.jsonl")
    parser.add_argument("--index-dir", type=Path, default=ROOT / "index", help="Where the open-book index is kept.")
    parser.add_argument("--limit", type=int, default=None, help="Only the first N held-out questions.")
    parser.add_argument("--skip-open-book", action="store_true")
    parser.add_argument("--only", default=",".join(COMBINATIONS), help="Comma-separated names from COMBINATIONS.")
    args = parser.parse_args()

    from qa.ask.bot import Bot
    from qa.config import SEEDS
    from qa.evaluation.closed_book import ClosedBook
    from qa.evaluation.files import load_qa_file
    from qa.evaluation.run import held_out_questions, open_bot, run_evaluation

    held_out = held_out_questions(load_qa_file(args.squad))
    seed = load_qa_file(args.seed_dev)
    out = ROOT / "benchmarks" / "results" / "readers.json"
    results: dict[str, Any] = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}  # other readers' kept
    results.update({"machine": _machine(), "held_out_questions": len(held_out.pairs[: args.limit])})
    chosen = args.only.split(",")
    for name, (reader, kinds, quantized) in COMBINATIONS.items():
        if name not in chosen:
            continue
        variant = (kinds, quantized)
        book = _configured(ClosedBook(reader), "reader", *variant)
        closed = run_evaluation(book, held_out, args.limit)
        seed_bot = _configured(
            Bot(SEEDS, args.index_dir / "seed", reader=reader, progress_bar=False), "pipeline", *variant
        )
        seeded = run_evaluation(seed_bot, seed)
        results[name] = {"closed_book": _scores(closed), "seed": _scores(seeded)}
        for folder in NEWS:
            news_bot = Bot(folder / "articles", args.index_dir / folder.name, reader=reader, progress_bar=False)
            news = run_evaluation(_configured(news_bot, "pipeline", *variant), load_qa_file(folder / "questions.jsonl"))
            results[name][f"news {folder.name}"] = _scores(news)
        _print(name, results[name])
    if not args.skip_open_book:
        for name in (name for name in OPEN_BOOK if name in chosen):
            reader, kinds, quantized = COMBINATIONS[name]
            bot = open_bot(held_out, None, args.index_dir, 5, reader, progress_bar=True)
            results[name]["open_book"] = _scores(run_evaluation(bot, held_out, args.limit))
            if reader == "learned":
                results["reader_latency_top5_ms"] = _reader_latency(bot, held_out.pairs[:200])
            _print(name, results[name])
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"Written to {out}")


def _configured(target: Any, attribute: str, kinds: frozenset[str] | None, quantized: bool) -> Any:
    """`target` (a ClosedBook or a Bot) with its reader set to the benchmark's variant."""
    from qa.readers.learned.reader import LearnedReader

    reader = target.reader if attribute == "reader" else target.pipeline.get_component("reader")
    if kinds is not None:
        reader.rule_kinds = kinds
    if quantized:
        quantized_reader = LearnedReader(quantize=True)
        quantized_reader.warm_up()
        reader._loaded = quantized_reader._loaded  # the same model, its linear layers in int8
    return target


def _reader_latency(bot: Any, pairs: list[Any]) -> dict[str, float]:
    """The learned reader's `run` alone over each question's top-5 retrieved passages: p50/p95 in ms, int8 and
    float32."""
    from qa.readers.learned.reader import LearnedReader

    passages = []
    for pair in pairs:
        output = bot.pipeline.run(
            {"embedder": {"text": pair.question}, "bm25": {"query": pair.question}, "reader": {"query": pair.question}},
            include_outputs_from={"joiner"},
        )
        passages.append((pair.question, output["joiner"]["documents"]))
    latency: dict[str, float] = {}
    for quantize in (True, False):
        reader = LearnedReader(quantize=quantize)
        reader.warm_up()
        reader.run(query=passages[0][0], documents=passages[0][1])
        times = []
        for question, documents in passages:
            started = time.perf_counter()
            reader.run(query=question, documents=documents)
            times.append((time.perf_counter() - started) * 1000)
        kind = "int8" if quantize else "float32"
        latency[f"{kind}_p50"] = round(statistics.median(times), 1)
        latency[f"{kind}_p95"] = round(statistics.quantiles(times, n=20)[-1], 1)
    return latency


def _scores(evaluation: Any) -> dict[str, Any]:
    m = evaluation.metrics
    return {
        "exact_match": round(100 * m.exact_match, 1),
        "f1": round(100 * m.f1, 1),
        "contains": round(100 * m.contains, 1),
        "declined": sum(row.declined for row in evaluation.rows),
        "questions": m.questions,
        "latency_p50_ms": m.latency_p50_ms,
        "latency_p95_ms": m.latency_p95_ms,
    }


def _print(name: str, result: dict[str, Any]) -> None:
    parts = [
        f"{setting} EM {s['exact_match']:.1f} F1 {s['f1']:.1f} contains {s['contains']:.1f} "
        f"declined {s['declined']}/{s['questions']} p50 {s['latency_p50_ms']:.0f} ms"
        for setting, s in result.items()
    ]
    print(f"{name}:\n  " + "\n  ".join(parts), flush=True)


def _machine() -> dict[str, Any]:
    import os

    return {"cpus": os.cpu_count(), "python": platform.python_version(), "load_average": os.getloadavg()}


if __name__ == "__main__":
    main()
