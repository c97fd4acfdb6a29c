"""Measure `qa.ask.language`: English questions wrongly called another language, and other languages caught.

    python benchmarks/language_id.py [--out benchmarks/results/language_id.json]

Three sets, each split in halves, a tune half and a held-out half:

- English questions: `../shared/eval/seed-dev.jsonl`, `bbc-dev.jsonl` and every question of
  `squad-v2.0-dev-26-articles.json` (even positions in each file tune, odd ones held out);
- English name probes: the capitalised names (1-3 words, not sentence-initial, seen twice or more) of the BBC corpus
  in `../shared/corpora/bbc-news`, each in one of a few dev-style templates ("What did {name} say?", "Who is
  {name}?", the name alone, ...), for the names that real questions are full of (even positions tune);
- other languages: `tests/data/non-english-questions.jsonl` (written for this, its `split` field).

It sweeps the rule's choices (names left out or not, py3langid's 140 languages or `LANGUAGES`, the least number of
words, the most probability of English), picks on the tune half alone (the most questions caught and named right,
among the settings whose false positives are at most half the 0.5% target on both English tune sets; then the
fewest false positives), and reports the pick on both halves, beside the figures of the module's settings as they are.
"""

from __future__ import annotations

import argparse
import collections
import itertools
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"

from qa.ask import language  # noqa: E402

TEMPLATES = [
    "What did {} say?",
    "Who is {}?",
    "Where is {}?",
    "When did {} start?",
    "How many people does {} employ?",
    "{}",
    "{}?",
    "Tell me about {}",
    "What happened to {}?",
    "Why did {} resign?",
]
NAME = re.compile(r"(?<=[\w,;:] )[A-Z][\w'.-]*[\w'](?: [A-Z][\w'.-]*[\w']){0,2}")
FP_CAP = 0.0025  # half the 0.5% target: the margin the tune half must leave
THRESHOLDS = [0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2, 0.3]


def english_questions() -> list[tuple[str, str]]:
    """(split, question) for every English dev question."""
    found: list[tuple[str, str]] = []
    for name in ("seed-dev", "bbc-dev"):
        lines = (SHARED / "eval" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
        found += [(_half(i), json.loads(line)["question"]) for i, line in enumerate(lines)]
    squad = json.loads((SHARED / "eval" / "squad-v2.0-dev-26-articles.json").read_text(encoding="utf-8"))
    questions = [qa["question"] for article in squad["data"] for p in article["paragraphs"] for qa in p["qas"]]
    return found + [(_half(i), q) for i, q in enumerate(questions)]


def name_probes() -> list[tuple[str, str]]:
    """(split, question) for each BBC name in a template."""
    counts: collections.Counter[str] = collections.Counter()
    for path in sorted((SHARED / "corpora" / "bbc-news").rglob("*.txt")):
        counts.update(NAME.findall(path.read_text(encoding="utf-8", errors="replace")))
    names = sorted(name for name, n in counts.items() if n >= 2)
    return [(_half(i), TEMPLATES[i % len(TEMPLATES)].format(name)) for i, name in enumerate(names)]


def other_languages() -> list[tuple[str, str, str]]:
    """(split, language, question) for the fixture's questions."""
    lines = (ROOT / "tests" / "data" / "non-english-questions.jsonl").read_text(encoding="utf-8").splitlines()
    return [(row["split"], row["language"], row["question"]) for row in map(json.loads, lines)]


def _half(index: int) -> str:
    return "tune" if index % 2 == 0 else "held-out"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "language_id.json")
    args = parser.parse_args()
    started = time.perf_counter()
    english, probes, others = english_questions(), name_probes(), other_languages()
    print(f"{len(english)} English questions, {len(probes)} name probes, {len(others)} in other languages")

    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    everything = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifiers = {"all 140": everything, "LANGUAGES": language.identifier()}
    names = language.LANGUAGES

    def judged(text: str) -> dict[tuple[str, str], tuple[int, float, str]]:
        """(words, languages) → (amount, P(English), likeliest code)."""
        out = {}
        for masking, words in (("names out", _without_names(text)), ("all words", language.words(text))):
            for set_name, identifier in identifiers.items():
                ranked = identifier.rank(" ".join(words)) if words else [("en", 0.0)]
                out[masking, set_name] = (language.amount(words), dict(ranked).get("en", 0.0), ranked[0][0])
        return out

    english_j = [(half, judged(q)) for half, q in english]
    probes_j = [(half, judged(q)) for half, q in probes]
    others_j = [(half, lang, judged(q)) for half, lang, q in others]

    def figures(setting: tuple[str, str, int, float], half: str) -> dict[str, Any]:
        masking, set_name, min_words, threshold = setting

        def flagged(j: dict[tuple[str, str], tuple[int, float, str]]) -> str | None:
            words, english_p, code = j[masking, set_name]
            return None if words < min_words or english_p > threshold or code == "en" else code

        fp_q = sum(flagged(j) is not None for h, j in english_j if h == half)
        fp_p = sum(flagged(j) is not None for h, j in probes_j if h == half)
        part = [(lang, flagged(j)) for h, lang, j in others_j if h == half]
        caught = sum(code is not None for _, code in part)
        right = sum(code is not None and names.get(code, code) == lang for lang, code in part)
        n_q, n_p = sum(h == half for h, _ in english_j), sum(h == half for h, _ in probes_j)
        return {
            "english_false_positives": f"{fp_q}/{n_q} = {fp_q / n_q:.2%}",
            "probe_false_positives": f"{fp_p}/{n_p} = {fp_p / n_p:.2%}",
            "detected": f"{caught}/{len(part)} = {caught / len(part):.1%}",
            "detected_and_named_right": f"{right}/{len(part)} = {right / len(part):.1%}",
            "_fp": (fp_q / n_q, fp_p / n_p),
            "_right": right / len(part),
        }

    settings = list(itertools.product(["names out", "all words"], identifiers, [1, 2, 3], THRESHOLDS))
    tuned = {setting: figures(setting, "tune") for setting in settings}
    allowed = [s for s in settings if max(tuned[s]["_fp"]) <= FP_CAP]

    def key(s: tuple[str, str, int, float]) -> tuple[float, float, float]:
        return tuned[s]["_right"], -sum(tuned[s]["_fp"]), s[3]

    pick = max(allowed, key=key)
    print(f"\nThe best of each kind on the tune half (English FP and probe FP at most {FP_CAP:.2%}), then held out:")
    print(f"{'words':10} {'languages':10} {'min':>3} {'P(en)<=':>7}  half      English FP, probe FP, named right")
    kinds = {}
    for kind in itertools.product(["names out", "all words"], identifiers):
        best = max((s for s in allowed if s[:2] == kind), key=key)
        for half in ("tune", "held-out"):
            f = figures(best, half)
            print(f"{best[0]:10} {best[1]:10} {best[2]:3} {best[3]:7}  {half:8}  ", end="")
            print(f"{f['english_false_positives']}, {f['probe_false_positives']}, {f['detected_and_named_right']}")
            kinds[f"{', '.join(map(str, best))} {half}"] = {k: v for k, v in f.items() if not k.startswith("_")}
    module = ("all words", "LANGUAGES", language.MIN_WORDS, language.MAX_ENGLISH_PROBABILITY)
    results: dict[str, Any] = {"pick": dict(zip(["words", "languages", "min_words", "max_english"], pick, strict=True))}
    for label, setting in (("pick", pick), ("module", module)):
        for half in ("tune", "held-out"):
            shown = {k: v for k, v in figures(setting, half).items() if not k.startswith("_")}
            results[f"{label} {half}"] = shown
            print(f"{label:6} {half:8}: " + ", ".join(f"{k} {v}" for k, v in shown.items()))
    results["best of each kind"] = kinds
    results["sizes"] = {"english": len(english), "probes": len(probes), "other_languages": len(others)}
    results["seconds"] = round(time.perf_counter() - started, 1)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _without_names(text: str) -> list[str]:
    """The words of `text` less its names, taken as the capitalised words after the first (measured, not kept: on the
    tune half it loses more questions in other languages, German's nouns among them, than it saves English ones)."""
    found = language.words(text)
    if text.isupper():
        return found
    return [word for index, word in enumerate(found) if index == 0 or not word[0].isupper()]


if __name__ == "__main__":
    main()
