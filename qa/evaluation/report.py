"""Showing an `Evaluation`: an aligned table for the terminal, and a self-contained HTML report.

The HTML report is one file with nothing to fetch (inline CSS, inline SVG: a latency histogram and a reliability
diagram), so it can be mailed or archived; every text that comes from the user's file or the articles is
HTML-escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from qa.evaluation.metrics import reliability_bins
from qa.evaluation.run import Evaluation, Metrics, Row

WORST_IN_TABLE = 5
WORST_IN_REPORT = 25
HISTOGRAM_BINS = 20


def metric_lines(metrics: Metrics) -> list[tuple[str, str]]:
    """(label, formatted value) for each overall figure, "n/a" where it would be 0/0."""
    k = metrics.top_k
    return [
        ("questions", f"{metrics.questions} ({metrics.answerable} answerable)"),
        ("exact match", _percent(metrics.exact_match)),
        ("F1", _percent(metrics.f1)),
        ("answer in top answer", _percent(metrics.contains)),
        ("retrieval recall@1", _percent(metrics.recall_at_1)),
        ("retrieval recall@5", _percent(metrics.recall_at_5) + (f" (only {k} retrieved)" if k < 5 else "")),
        *([(f"retrieval recall@{k}", _percent(metrics.recall_at_k))] if k not in (1, 5) else []),
        ("retrieval MRR", "n/a" if metrics.mrr is None else f"{metrics.mrr:.3f}"),
        ("no-answer precision", _percent(metrics.no_answer_precision)),
        ("no-answer recall", _percent(metrics.no_answer_recall)),
        (
            "calibration error (answers)",
            "n/a" if metrics.calibration_error is None else f"{metrics.calibration_error:.3f}",
        ),
        ("latency p50", f"{metrics.latency_p50_ms:.0f} ms"),
        ("latency p95", f"{metrics.latency_p95_ms:.0f} ms"),
        ("questions refused or failed", str(metrics.errors)),
        *(
            [("wrong answers given again", f"{metrics.wrong_again} of {metrics.marked_wrong} marked wrong")]
            if metrics.marked_wrong
            else []
        ),
        ("total time", f"{metrics.total_seconds:.1f} s"),
    ]


def render_table(evaluation: Evaluation) -> str:
    """The terminal summary: the metrics as an aligned two-column table, then the worst-answered questions."""
    lines = metric_lines(evaluation.metrics)
    width = max(len(label) for label, _ in lines)
    text = [f"Evaluation of {evaluation.qa_file}", f"over {evaluation.articles}", ""]
    text += [f"{label:<{width}}  {value}" for label, value in lines]
    kinds = kind_lines(evaluation.metrics)
    if kinds:
        text += ["", "By kind (answer in top answer, F1):"]
        text += [f"- {kind}: {questions} questions, {contains}, F1 {f1}" for kind, questions, contains, f1 in kinds]
    worst = worst_rows(evaluation.rows, WORST_IN_TABLE)
    if worst:
        text += ["", "Worst answered:"]
        for row in worst:
            text.append(f"- {_one_line(row.question) or '(empty question)'}")
            if row.asked:
                text.append(f"  understood as: {_one_line(row.asked)}")
            text.append(f"  expected: {_expected(row)}")
            text.append(f"  answered: {_answered(row)}  (F1 {row.f1:.2f})")
    return "\n".join(text)


def kind_lines(metrics: Metrics) -> list[tuple[str, int, str, str]]:
    """(kind, questions, containment, F1) for each kind of question the file names."""
    return [
        (kind, scores.questions, _percent(scores.contains), _percent(scores.f1))
        for kind, scores in metrics.by_kind.items()
    ]


def worst_rows(rows: Sequence[Row], count: int) -> list[Row]:
    """Up to `count` rows that did not score fully, the lowest F1 (then containment) first, file order on ties."""
    missed = [row for row in rows if row.f1 < 1 or row.contains < 1]
    return sorted(missed, key=lambda row: (row.f1, row.contains))[:count]


def render_html(evaluation: Evaluation) -> str:
    """The HTML report: metrics, a latency histogram and the worst-answered questions."""
    metrics = "\n".join(
        f"<tr><th>{escape(label)}</th><td>{escape(value)}</td></tr>"
        for label, value in metric_lines(evaluation.metrics)
    )
    worst = "\n".join(
        "<tr>"
        f"<td>{escape(_one_line(row.question, 300)) or '<em>(empty)</em>'}"
        f"{f'<br><small>understood as: {escape(_one_line(row.asked, 300))}</small>' if row.asked else ''}</td>"
        f"<td>{escape(_expected(row))}</td>"
        f"<td>{escape(_answered(row))}</td>"
        f"<td class=num>{row.f1:.2f}</td>"
        "</tr>"
        for row in worst_rows(evaluation.rows, WORST_IN_REPORT)
    )
    kinds = "\n".join(
        f"<tr><td>{escape(kind)}</td><td class=num>{questions}</td><td class=num>{contains}</td>"
        f"<td class=num>{f1}</td></tr>"
        for kind, questions, contains, f1 in kind_lines(evaluation.metrics)
    )
    by_kind = (
        "<h2>By kind</h2>\n<table>\n<tr><th>kind</th><th>questions</th><th>answer in top answer</th><th>F1</th></tr>\n"
        f"{kinds}\n</table>"
        if kinds
        else ""
    )
    answered = [row for row in evaluation.rows if row.confidence is not None]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>qa eval: {escape(evaluation.qa_file)}</title>
<style>
body {{ font: 15px/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 60em; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
th, td {{ border-bottom: 1px solid #ddd; padding: .3em .8em; text-align: left; vertical-align: top; }}
td.num {{ text-align: right; }}
.bar {{ fill: #4a7bb7; }}
.diagonal {{ stroke: #999; stroke-dasharray: 4 4; }}
.axis {{ stroke: #222; }}
</style></head>
<body>
<h1>Evaluation</h1>
<p>{escape(evaluation.qa_file)}, answered from {escape(evaluation.articles)}.</p>
<h2>Metrics</h2>
<table>
{metrics}
</table>
{by_kind}
<h2>Reliability of the scores</h2>
<p>Each answer's score against how often answers with that score were right (F1 of at least one half), in ten
bins; on the diagonal, a score is the probability that the answer is right.</p>
{reliability_diagram([row.confidence or 0.0 for row in answered], [row.right for row in answered])}
<h2>Latency per question</h2>
{latency_histogram([row.latency_ms for row in evaluation.rows])}
<h2>Worst answered</h2>
<table>
<tr><th>question</th><th>expected</th><th>the bot said</th><th>F1</th></tr>
{worst or '<tr><td colspan="4">Every question scored fully.</td></tr>'}
</table>
</body></html>
"""


def latency_histogram(latencies: Sequence[float], width: int = 600, height: int = 160) -> str:
    """An inline SVG histogram of `latencies` (milliseconds), with the range and the tallest bar labelled."""
    if not latencies:
        return "<p>No questions.</p>"
    low, high = min(latencies), max(latencies)
    span = (high - low) or 1.0
    counts = [0] * HISTOGRAM_BINS
    for latency in latencies:
        counts[min(int((latency - low) / span * HISTOGRAM_BINS), HISTOGRAM_BINS - 1)] += 1
    tallest = max(counts)
    bar_width = width / HISTOGRAM_BINS
    bars = "".join(
        f'<rect class="bar" x="{n * bar_width:.1f}" y="{height - count / tallest * height:.1f}" '
        f'width="{bar_width - 1:.1f}" height="{count / tallest * height:.1f}"><title>{count}</title></rect>'
        for n, count in enumerate(counts)
        if count
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 40}" role="img" '
        f'aria-label="Latency histogram">{bars}'
        f'<text x="0" y="{height + 18}">{low:.0f} ms</text>'
        f'<text x="{width}" y="{height + 18}" text-anchor="end">{high:.0f} ms</text>'
        f'<text x="{width / 2}" y="{height + 36}" text-anchor="middle">{len(latencies)} questions; '
        f"tallest bar {tallest}</text></svg>"
    )


def reliability_diagram(confidences: Sequence[float], right: Sequence[bool], size: int = 300) -> str:
    """An inline SVG reliability diagram: one bar per confidence bin, as tall as the share of its answers that
    were right, over the diagonal a calibrated score would follow."""
    if not confidences:
        return "<p>No answers to show.</p>"
    bins = reliability_bins(confidences, right)
    width = size / 10
    bars = "".join(
        f'<rect class="bar" x="{low * size:.1f}" y="{size - accuracy * size:.1f}" width="{width - 2:.1f}" '
        f'height="{accuracy * size:.1f}"><title>scores {low:.1f}-{low + 0.1:.1f}: {count} answers, '
        f"mean score {mean:.2f}, {accuracy:.0%} right</title></rect>"
        for low, mean, accuracy, count in bins
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size + 40}" height="{size + 40}" role="img" '
        f'aria-label="Reliability diagram">{bars}'
        f'<line class="diagonal" x1="0" y1="{size}" x2="{size}" y2="0"/>'
        f'<line class="axis" x1="0" y1="{size}" x2="{size}" y2="{size}"/>'
        f'<text x="0" y="{size + 16}">0</text><text x="{size}" y="{size + 16}" text-anchor="end">score 1</text>'
        f'<text x="{size / 2}" y="{size + 34}" text-anchor="middle">{len(confidences)} answers; bar height: '
        "share right</text></svg>"
    )


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def _expected(row: Row) -> str:
    """The accepted answers, then those marked wrong ("not ..."); only the latter where the right one is unknown."""
    wrong = "not " + " | ".join(answer or "(declined)" for answer in row.wrong) if row.wrong else ""
    if not row.known:
        return wrong
    expected = " | ".join(row.answers) if row.answers else "(no answer: decline)"
    return f"{expected}; {wrong}" if wrong else expected


def _answered(row: Row) -> str:
    if row.error:
        return f"(refused: {row.error})"
    return _one_line(row.prediction) if row.prediction else "(declined)"


def _one_line(text: str, limit: int = 100) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
