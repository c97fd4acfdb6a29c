"""The `qa` command, through click's runner and once as the installed console script."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

import qa.index.disk
from qa.cli import cli
from qa.config import SHIPPED_READER
from qa.ingest.files import decode
from tests.conftest import SEEDS


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli-index")


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.slow
def test_ask_prints_answer_then_numbered_sources(index_dir: Path) -> None:
    code, out, _ = _run(
        "ask", "What did Sung Kim say?", "--articles", str(SEEDS), "--index-dir", str(index_dir), "--reader", "rules"
    )

    assert code == 0
    answer_lines, sources = out.split("Sources:")
    assert "The US continues to reach out to Pyongyang" in answer_lines.splitlines()[0]
    assert "[1] North Korea fires ballistic missile off coast of Japan" in sources
    assert "seed-north-korea.txt, characters" in sources


def test_ask_json_is_one_object_with_checkable_offsets(index_dir: Path) -> None:
    code, out, _ = _run(
        "ask", "--json", "Who is Sung Kim?", "--reader=rules", "--articles", str(SEEDS), "--index-dir", str(index_dir)
    )

    payload = json.loads(out)
    assert code == 0 and payload["question"] == "Who is Sung Kim?" and payload["no_answer"] is False
    for answer in payload["answers"]:
        assert decode(Path(answer["source"]))[answer["start"] : answer["end"]] == answer["text"]


def test_ask_takes_the_earlier_questions_of_a_conversation(index_dir: Path) -> None:
    where = ("--articles", str(SEEDS), "--index-dir", str(index_dir))
    code, out, _ = _run("ask", "--json", "--history", "Who is Sung Kim?", "What did he tell reporters?", *where)
    _, asked_back, _ = _run("ask", "What did she say?", *where)

    assert code == 0 and json.loads(out)["asked"] == "What did Sung Kim tell reporters?"
    assert asked_back.strip() == "Who do you mean by 'she'?"


def test_ask_declines_in_words(index_dir: Path) -> None:
    args = ("ask", "Who won the 2018 FIFA World Cup?", "--articles", str(SEEDS), "--index-dir", str(index_dir))
    code, out, _ = _run(*args)

    assert code == 0
    assert out.startswith("Not found in the articles.")
    assert "Closest passages:" in out


def test_top_k_option(index_dir: Path) -> None:
    args = ("ask", "--json", "--top-k", "1", "Where did the intelligence chiefs reportedly meet?")
    code, out, _ = _run(*args, "--articles", str(SEEDS), "--index-dir", str(index_dir))

    assert code == 0
    assert len(json.loads(out)["answers"]) == 1


@pytest.mark.slow
def test_index_reports_added_then_up_to_date(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    shutil.copytree(SEEDS, articles)
    (articles / "extra.md").write_text("# Port strike ends\n\nDock workers in Rotterdam ended a strike on Friday.\n")
    args = ("index", "--articles", str(articles), "--index-dir", str(tmp_path / "index"))

    _, _, first = _run(*args)
    _, _, second = _run(*args)
    (articles / "extra.md").unlink()
    _, _, third = _run(*args)

    assert "2 added" in first
    assert "up to date" in second
    assert "1 removed" in third


@pytest.mark.slow
def test_index_names_skipped_files(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    shutil.copytree(SEEDS, articles)
    (articles / "empty.txt").write_text("")
    (articles / "records.jsonl").write_text('{"title": "Fine", "text": "A fine record."}\n{"title": "No text"}\n')
    _, _, err = _run("index", "--articles", str(articles), "--index-dir", str(tmp_path / "index"))
    assert "Skipped empty.txt: it is empty." in err
    assert "Skipped records.jsonl#2: line 2 has no 'text' string." in err
    assert "2 added" in err

    _, _, again = _run("index", "--articles", str(articles), "--index-dir", str(tmp_path / "index"))
    assert "Skipped empty.txt: it is empty." in again and "up to date" in again


def test_index_counts_skipped_files_and_names_duplicates(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    shutil.copytree(SEEDS, articles)
    seed = next(SEEDS.glob("*.txt"))
    shutil.copy(seed, articles / "x copy one.txt")  # sorts after the seed, which is kept
    (articles / "x" / "deeper").mkdir(parents=True)
    shutil.copy(seed, articles / "x" / "deeper" / "copy two.txt")
    (articles / "broken.pdf").write_bytes(b"%PDF-1.7 cut short")
    _, _, err = _run("index", "--articles", str(articles), "--index-dir", str(tmp_path / "index"))
    assert "Skipped broken.pdf: it is not a PDF that can be read" in err
    assert f"2 duplicates skipped: x/deeper/copy two.txt = {seed.name}, x copy one.txt = {seed.name}." in err
    assert "1 added, 0 updated, 0 removed, 0 unchanged, 3 skipped" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ask", "", "--articles", str(SEEDS)), "The question is empty"),
        (
            ("ask", "Why? " * 300, "--articles", str(SEEDS)),
            "The question is 1,499 characters long; the limit is 1,000.",
        ),
        (("ask", "Who?", "--articles", "/no/such/folder"), "does not exist"),
        (("index", "--articles", "/no/such/folder"), "does not exist"),
        (("index", "--articles", "/"), "'/' is a system folder, not a folder of articles"),
        (("ask", "Who?", "--top-k", "0"), "0 is not in the range"),
        (("ask", "Who?", "--top-k", "101"), "101 is not in the range"),
        (("ask", "Who is \udcff?", "--articles", str(SEEDS)), "The question holds bytes that are not UTF-8 text"),
    ],
)
def test_errors_are_one_line_without_traceback(args: tuple[str, ...], message: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, [*args, "--index-dir", str(tmp_path / "i")])

    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_an_unknown_precision_is_one_line(index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_PRECISION", "int4")
    result = CliRunner().invoke(cli, ["ask", "Who?", "--articles", str(SEEDS), "--index-dir", str(index_dir)])

    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "QA_PRECISION must be one of auto, bf16, fp32, not 'int4'." in result.output


def test_article_text_cannot_drive_the_terminal(tmp_path: Path) -> None:
    """Escape sequences (clear screen, window title, colour) and other control characters are not printed."""
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "tricks.txt").write_text(
        'Council \x1b]0;owned\x07vote\n\nThe mayor\x1b[2J Anna Berg said \x1b[31m"We will build the bridge."\x9b',
        encoding="utf-8",
    )
    code, out, _ = _run(
        "ask", "What did Anna Berg say?", "--articles", str(articles), "--index-dir", str(tmp_path / "i")
    )

    assert code == 0 and "We will build the bridge." in out
    styled = out.replace("\x1b[1m", "").replace("\x1b[4m", "").replace("\x1b[0m", "")  # the answer's own marking
    assert not any((ord(char) < 32 and char not in "\n\t") or 127 <= ord(char) < 160 for char in styled)


def test_training_never_overwrites_the_shipped_model_by_accident(tmp_path: Path) -> None:
    data = tmp_path / "squad.json"
    data.write_text('{"data": []}', encoding="utf-8")
    result = CliRunner().invoke(cli, ["train-reader", "--data", str(data), "--output", str(SHIPPED_READER)])

    assert result.exit_code != 0
    assert "is the model shipped in the package; add --force" in result.output


def test_empty_articles_folder(tmp_path: Path) -> None:
    (tmp_path / "articles").mkdir()
    result = CliRunner().invoke(cli, ["index", "--articles", str(tmp_path / "articles"), "--index-dir", str(tmp_path)])

    assert result.exit_code == 1
    assert "No readable articles" in result.output


@pytest.mark.slow
def test_console_script_prints_exactly_one_json_object(index_dir: Path) -> None:
    qa = Path(sys.executable).with_name("qa")
    args = [str(qa), "ask", "--json", "When did North Korea launch the ballistic missile?"]
    completed = subprocess.run(
        [*args, "--articles", str(SEEDS), "--index-dir", str(index_dir)], capture_output=True, text=True, timeout=300
    )

    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["answers"][0]["text"] == "Tuesday"


def test_ask_answers_from_the_folder_last_indexed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QA_ARTICLES", raising=False)
    articles = tmp_path / "mine"
    articles.mkdir()
    (articles / "port.md").write_text("# Port strike ends\n\nDock workers in Rotterdam ended their strike on Friday.\n")
    index_dir = str(tmp_path / "index")

    _run("index", "--articles", str(articles), "--index-dir", index_dir)
    code, out, err = _run("ask", "--json", "When did the dock workers end their strike?", "--index-dir", index_dir)

    answer = json.loads(out)["answers"][0]
    assert code == 0 and "Indexed" not in err  # no re-indexing of another folder
    assert answer["text"] == "Friday"
    assert Path(answer["source"]) == (articles / "port.md").resolve()


@pytest.mark.slow
def test_ask_answers_at_once_while_another_process_indexes(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    articles, index = tmp_path / "articles", tmp_path / "index"
    shutil.copytree(SEEDS, articles)
    ask = ("ask", "When did North Korea launch the ballistic missile?", "--articles", str(articles))
    _run(*ask, "--index-dir", str(index))
    (articles / "extra.md").write_text("# Port strike ends\n\nDock workers in Rotterdam ended a strike on Friday.\n")

    with qa.index.disk.locked(index):  # as a `qa index` in another process holds it
        code, out, _ = _run(*ask, "--index-dir", str(index))

    assert code == 0 and "Tuesday" in out
    assert (
        "Another process is updating the index" in caplog.text and "answering from the index as it was" in caplog.text
    )
    _, _, said = _run("index", "--articles", str(articles), "--index-dir", str(index))
    assert "1 added" in said


@pytest.mark.slow
def test_index_watch_indexes_files_as_they_come_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    shutil.copytree(SEEDS, articles)
    qa = Path(sys.executable).with_name("qa")
    args = [str(qa), "index", "--watch", "--articles", str(articles), "--index-dir", str(tmp_path / "index")]
    watcher = subprocess.Popen(args, stderr=subprocess.PIPE, text=True)
    try:
        lines = _lines_until(watcher, "Watching ")
        (articles / "bees.txt").write_text(
            "Honeybee colonies collapse across Norway\n\nBeekeepers in Norway lost half of their colonies.", "utf-8"
        )
        lines += _lines_until(watcher, "1 added")
        (articles / "bees.txt").unlink()
        lines += _lines_until(watcher, "1 removed")
        watcher.send_signal(signal.SIGINT)
        _, rest = watcher.communicate(timeout=60)
    finally:
        watcher.kill()
    assert watcher.returncode == 0 and "Stopped watching." in rest
    assert any(line.startswith("Indexed 1 articles") for line in lines)


def _lines_until(process: subprocess.Popen[str], wanted: str, seconds: float = 120) -> list[str]:
    """The lines `process` writes to stderr up to the first one containing `wanted`; it is killed after `seconds`."""
    assert process.stderr is not None
    lines: list[str] = []
    deadline = threading.Timer(seconds, process.kill)  # a silent process would block `readline` for ever
    deadline.start()
    try:
        while line := process.stderr.readline():
            lines.append(line)
            if wanted in line:
                return lines
    finally:
        deadline.cancel()
    raise AssertionError(f"no line with {wanted!r} in: {''.join(lines)}")
