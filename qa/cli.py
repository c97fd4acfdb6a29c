"""The `qa` command: a thin shell over `qa.Bot` and `qa.index.index.Index`."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from qa import config
from qa.config import DEFAULT_TOP_K, ENV, MAX_TOP_K
from qa.errors import USER_ERRORS

# A folder with thousands of copies would bury the summary under them.
MAX_DUPLICATES_SHOWN = 20
# Control characters an article may hold (escape sequences that clear the screen, retitle the window, recolour
# the text): never printed. Line breaks and tabs are kept.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")

if TYPE_CHECKING:
    from qa.ask.bot import Bot
    from qa.ask.result import Answer, Result
    from qa.evaluation.closed_book import ClosedBook
    from qa.index.report import IndexReport


_articles_option = click.option(
    "--articles",
    type=click.Path(path_type=Path),
    default=None,
    envvar=ENV.ARTICLES,
    help="Folder of articles (.txt, .md, .json, .jsonl, .csv, .html, .pdf; sub-folders too). Env: QA_ARTICLES. "
    "Default: the folder last indexed, else the bundled seeds/.",
)
READER_HELP = (
    "The reader: learned (default), hybrid (the learned model, quotes widened by the rules), rules, or the path "
    "of a model saved by `qa train-reader`, or a transformers extractive QA model (path or cached hub id)."
)
_index_option = click.option(
    "--index-dir",
    type=click.Path(path_type=Path),
    default=config.DEFAULT_INDEX_DIR,
    envvar=ENV.INDEX_DIR,
    show_default=True,
    help="Where the index is kept. Env: QA_INDEX_DIR.",
)

_top_k_option = click.option(
    "--top-k", type=click.IntRange(1, MAX_TOP_K), default=DEFAULT_TOP_K, show_default=True, help="Passages read."
)


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Show what happens inside (log messages).")
def cli(verbose: bool) -> None:
    """Ask questions about a folder of news articles; every answer cites its source."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


@cli.command()
@click.argument("question")
@_articles_option
@_index_option
@_top_k_option
@click.option("--reader", "--reader-model", "reader", default=None, help=READER_HELP)
@click.option(
    "--history",
    multiple=True,
    metavar="QUESTION",
    help="An earlier question of the conversation (repeatable, oldest first): QUESTION may refer back to it.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
def ask(
    question: str,
    articles: Path | None,
    index_dir: Path,
    top_k: int,
    reader: str | None,
    history: tuple[str, ...],
    as_json: bool,
) -> None:
    """Answer QUESTION from the articles, citing where each answer comes from.

    Examples:

        qa ask "What did Sung Kim say?"

        qa ask --history "Who is Sung Kim?" "What did he tell reporters?"
    """
    from qa.ask.bot import Bot
    from qa.ask.question import check_question

    try:
        for asked in (*history, question):
            check_question(asked)
        bot = Bot(articles, index_dir, top_k=top_k, reader=reader)
        _report(bot.report)
        started = time.perf_counter()
        result = bot.ask(question, history=history)
    except USER_ERRORS as error:
        raise click.ClickException(str(error)) from error
    logging.getLogger(__name__).info("Answered in %.0f ms.", (time.perf_counter() - started) * 1000)
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        click.echo(render(result))


@cli.command()
@_articles_option
@_index_option
@click.option("--rebuild", is_flag=True, help="Start over instead of updating what changed.")
@click.option("--watch", is_flag=True, help="Then keep indexing files added, changed or removed, until Ctrl+C.")
@click.option("--poll", is_flag=True, help="With --watch: look at the folder every 2 s (for network file systems).")
def index(articles: Path | None, index_dir: Path, rebuild: bool, watch: bool, poll: bool) -> None:
    """Index the articles folder (only what changed since the last run).

    Examples:

        qa index --articles path/to/folder

        qa index --articles path/to/folder --watch
    """
    from qa.index.folder import articles_folder
    from qa.index.index import Index

    try:
        folder = articles_folder(articles, index_dir)
        _, report = Index.open(folder, index_dir, rebuild=rebuild)
    except USER_ERRORS as error:
        raise click.ClickException(str(error)) from error
    _report(report, always=True)
    if watch:
        _watch(folder, index_dir, poll)


def _watch(folder: Path, index_dir: Path, poll: bool) -> None:
    """Index the folder's changes as they happen, saying what each update did, until interrupted."""
    from qa.index.index import Index
    from qa.index.watch import FolderWatcher

    def update() -> None:
        try:
            _, report = Index.open(folder, index_dir, progress_bar=False)
        except USER_ERRORS as error:  # e.g. the last article removed: said, and watching goes on
            click.echo(f"{time.strftime('%H:%M:%S')} {error}", err=True)
            return
        if report.changed:
            click.echo(f"{time.strftime('%H:%M:%S')} {report.summary()}", err=True)

    with FolderWatcher(folder, update, ignore=index_dir, polling=poll):
        click.echo(f"Watching {folder} for changes (Ctrl+C to stop).", err=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            click.echo("Stopped watching.", err=True)


@cli.command("eval")
@click.argument("qa_file", type=click.Path(path_type=Path))
@click.option(
    "--articles",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder of articles to answer from. Default for a SQuAD file: its own paragraphs; else as for `qa ask`.",
)
@_index_option
@_top_k_option
@click.option("--reader", "--reader-model", "reader", default=None, help=READER_HELP)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Evaluate only the first N questions.")
@click.option("--held-out", is_flag=True, help="SQuAD: ask only the nine articles that reader training leaves out.")
@click.option("--closed-book", is_flag=True, help="SQuAD: read each question with its own paragraph (no retrieval).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (metrics and rows) instead of a table.")
@click.option("--report", "report_path", type=click.Path(path_type=Path), default=None, help="Write an HTML report.")
def eval_command(
    qa_file: Path,
    articles: Path | None,
    index_dir: Path,
    top_k: int,
    reader: str | None,
    limit: int | None,
    held_out: bool,
    closed_book: bool,
    as_json: bool,
    report_path: Path | None,
) -> None:
    """Ask the questions of QA_FILE (.jsonl, .csv or SQuAD .json) and score the answers.

    Example:

        qa eval questions.jsonl --articles path/to/folder --report report.html

        qa eval squad-v1.1-dev.json --held-out --closed-book --reader learned
    """
    from qa.evaluation.closed_book import ClosedBook
    from qa.evaluation.files import load_qa_file
    from qa.evaluation.report import render_html, render_table
    from qa.evaluation.run import held_out_questions, open_bot, run_evaluation

    try:
        qa_set = load_qa_file(qa_file)
        if held_out:
            qa_set = held_out_questions(qa_set)
        if closed_book:
            bot: Bot | ClosedBook = ClosedBook(reader)
        else:
            bot = open_bot(qa_set, articles, index_dir, top_k, reader, progress_bar=True)
            _report(bot.report)
        evaluation = run_evaluation(bot, qa_set, limit)
    except USER_ERRORS as error:
        raise click.ClickException(str(error)) from error
    if as_json:
        click.echo(json.dumps(evaluation.to_json(), ensure_ascii=False))
    else:
        click.echo(render_table(evaluation))
    if report_path is not None:
        try:
            report_path.write_text(render_html(evaluation), encoding="utf-8")
        except OSError as error:
            raise click.ClickException(f"Cannot write the report to {report_path}: {error.strerror}.") from error
        click.echo(f"Report written to {report_path}.", err=True)


@cli.command("train-reader")
@click.option(
    "--data",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="SQuAD v1.1 JSON to train on (its nine held-out articles are always left out).",
)
@click.option(
    "--unanswerable",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="SQuAD 2.0 JSON whose unanswerable questions teach declining (four of its articles are kept to calibrate).",
)
@click.option(
    "--news",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="A BBC-style corpus folder: questions are generated from its business/ and sport/ articles.",
)
@click.option(
    "--output",
    type=click.Path(path_type=Path),
    default=config.DEFAULT_TRAINING_OUTPUT,
    show_default=True,
    help="Where the trained model, its settings and its model card are written.",
)
@click.option("--force", is_flag=True, help="Replace the model shipped in the package (qa/readers/learned/model).")
@click.option(
    "--work-dir",
    type=click.Path(path_type=Path),
    default=Path(".cache/reader-training"),
    show_default=True,
    help="Checkpoints and the training log; a rerun resumes from here.",
)
@click.option("--epochs", type=click.IntRange(min=1), default=2, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Train on the first N questions only.")
@click.option("--max-steps", type=click.IntRange(min=1), default=None, help="Stop after N optimizer steps.")
@click.option(
    "--eval-limit",
    type=click.IntRange(min=1),
    default=None,
    help="Score only the first N held-out questions after each epoch.",
)
def train_reader_command(
    data: Path,
    unanswerable: Path | None,
    news: Path | None,
    output: Path,
    work_dir: Path,
    epochs: int,
    seed: int,
    limit: int | None,
    max_steps: int | None,
    eval_limit: int | None,
    force: bool,
) -> None:
    """Fine-tune the learned reader (a span head on all-MiniLM-L6-v2) to answer and to decline, resumably.

    Example:

        qa train-reader --data ../shared/eval/squad-v1.1-dev.json
        --unanswerable ../shared/eval/squad-v2.0-dev-26-articles.json --news ../shared/corpora/bbc-news
        --output my-reader
    """
    if output.expanduser().resolve() == config.SHIPPED_READER and not force:
        raise click.ClickException(
            f"{output} is the model shipped in the package; add --force to replace it, or choose another --output."
        )
    if unanswerable is None and news is None:
        raise click.UsageError("Give --unanswerable and/or --news: the reader must learn when to decline.")
    from qa.training.train import TrainingConfig, train_reader

    training = TrainingConfig(
        data=str(data),
        unanswerable=str(unanswerable) if unanswerable else None,
        news=str(news) if news else None,
        output=str(output),
        work_dir=str(work_dir),
        epochs=epochs,
        seed=seed,
        limit=limit,
        max_steps=max_steps,
        eval_limit=eval_limit,
    )
    result = train_reader(training)
    final = result.epochs[-1]
    click.echo(
        f"Saved to {result.output}: held-out EM {final.heldout_exact_match:.1f}, F1 {final.heldout_f1:.1f}; "
        f"on its validation questions it answers {result.calibration.answered:.0%} of the answerable, declines "
        f"{result.calibration.declined:.0%} of the unanswerable (calibration error {result.calibration.ece:.3f})."
    )


def _report(report: IndexReport, always: bool = False) -> None:
    """Say what indexing did: always for `qa index`, only when something changed for `qa ask`."""
    if not (always or report.changed):
        return
    duplicates = [skipped for skipped in report.skipped if skipped.duplicate_of is not None]
    for skipped in report.skipped:
        if skipped.duplicate_of is None:
            click.echo(f"Skipped {skipped.path}: {skipped.reason}.", err=True)
    if duplicates:
        pairs = [f"{duplicate.path} = {duplicate.duplicate_of}" for duplicate in duplicates[:MAX_DUPLICATES_SHOWN]]
        more = len(duplicates) - len(pairs)
        listed = ", ".join(pairs) + (f" and {more} more" if more else "")
        click.echo(f"{len(duplicates)} duplicate{'s' if len(duplicates) > 1 else ''} skipped: {listed}.", err=True)
    click.echo(report.summary(), err=True)


def render(result: Result) -> str:
    """The human-readable answer: the answers, then numbered sources with the answer marked in its passage."""
    if result.clarification is not None:
        return result.clarification
    if result.no_answer:
        lines = ["Not found in the articles."]
        if result.passages:
            lines += ["", "Closest passages:"]
            lines += [
                _source_line(n, p.title, p.source, p.start, p.end, printable(p.text))
                for n, p in enumerate(result.passages, 1)
            ]
        return "\n".join(lines)
    lines = [f"{printable(answer.text)} [{number}]" for number, answer in enumerate(result.answers, start=1)]
    if result.asked != result.question:
        lines.insert(0, f"(understood as: {printable(result.asked)})")
    lines += ["", "Sources:"]
    lines += [_cited(number, answer) for number, answer in enumerate(result.answers, start=1)]
    return "\n".join(lines)


def _cited(number: int, answer: Answer) -> str:
    offset = answer.start - answer.context_start
    length = answer.end - answer.start
    context = answer.context
    marked = printable(context[:offset]) + click.style(printable(answer.text), bold=True, underline=True)
    marked += printable(context[offset + length :])
    return _source_line(number, answer.title, answer.source, answer.start, answer.end, marked, answer.score)


def _source_line(
    number: int, title: str, source: str, start: int, end: int, text: str, score: float | None = None
) -> str:
    scored = f", score {score:.2f}" if score is not None else ""
    passage = " ".join(text.split())
    return f"[{number}] {printable(title)}\n    {printable(source)}, characters {start}-{end}{scored}\n    {passage}\n"


def printable(text: str) -> str:
    """`text` without control characters, so that an article cannot drive the terminal it is printed on.

    Example::

        >>> printable("Kim\x1b[2Jsaid\x07 no")
        'Kim[2Jsaid no'
    """
    return _CONTROL.sub("", text)


def main(argv: Any = None) -> None:
    """Console-script entry point."""
    config.offline()
    cli.main(args=argv, prog_name="qa")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
