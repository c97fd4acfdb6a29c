"""The server-backed dense store (`qa.index.stores.milvus_store`), against a real Milvus server on loopback."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from pymilvus import MilvusClient

import qa.index.settings
from qa import Bot
from qa.errors import IndexingError
from qa.index.folder import MANIFEST
from qa.index.index import Index
from qa.index.settings import IndexSettings
from qa.index.stores import milvus_store
from qa.index.stores.faiss_store import FaissStore
from qa.index.stores.milvus_store import MilvusStore
from tests.conftest import ROOT
from tests.index.test_index import count_embedded

pytestmark = pytest.mark.server

BEES = "Honeybee colonies collapse across Norway\n\nBeekeepers in Norway lost {} of their colonies to a mite."
BEES_QUESTION = "How many of their colonies did beekeepers in Norway lose?"
LYNX = "Lynx return to the Alps\n\nRangers counted twelve lynx in the Swiss Alps this spring."

# Runs `Index.open(folder, directory)` on Milvus in another process. Once its writes and deletes are on the server
# (at `MilvusStore.commit`), or once its generation is renamed into place (the manifest not yet switched), it writes
# the phase's name to `flag` and waits `hold` seconds before it goes on.
CHILD = """
import sys, time
from pathlib import Path
import qa.index.index as qi
from qa.index.settings import IndexSettings
from qa.index.stores.milvus_store import MilvusStore

folder, directory, flag, phase, hold = sys.argv[1:6]

def reached():
    Path(flag).write_text(phase)
    time.sleep(float(hold))

if phase == "written":
    real_commit = MilvusStore.commit
    def commit(self):
        reached()
        real_commit(self)
    MilvusStore.commit = commit
elif phase == "renamed":
    real_write = qi.write_atomically
    def write_atomically(path, text):
        reached()
        real_write(path, text)
    qi.write_atomically = write_atomically
qi.Index.open(folder, directory, IndexSettings(store="milvus"), progress_bar=False)
"""


@pytest.fixture
def on_milvus(milvus_uri: str, monkeypatch: pytest.MonkeyPatch) -> IndexSettings:
    monkeypatch.setenv("QA_MILVUS_URI", milvus_uri)
    return IndexSettings(store="milvus")


def open_milvus(articles: Path, directory: Path, settings: IndexSettings, **kwargs: Any) -> tuple[Index, MilvusStore]:
    index, _ = Index.open(articles, directory, settings, progress_bar=False, **kwargs)
    assert isinstance(index.store, MilvusStore)
    return index, index.store


def collections(store: MilvusStore) -> set[str]:
    return {name for name in store.client.list_collections() if name.startswith("qa_")}


def rows_on_server(store: MilvusStore) -> int:
    """Every row of the store's collection, whichever generations see it."""
    found = store.client.query(store.collection, filter="born >= 0", output_fields=["count(*)"])
    return int(found[0]["count(*)"])


def record_rows(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Record the passage ids of the rows sent to the Milvus server: inserted (new passages) and upserted (rows
    marked dead, or brought back)."""
    sent: dict[str, list[str]] = {"insert": [], "upsert": []}
    for kind, rows in sent.items():
        real = getattr(MilvusClient, kind)

        def recording(
            client: MilvusClient,
            collection: str,
            data: list[dict[str, Any]],
            *args: Any,
            _real: Any = real,
            _rows: list[str] = rows,
            **kwargs: Any,
        ) -> Any:
            _rows.extend(row["passage"] for row in data)
            return _real(client, collection, data, *args, **kwargs)

        monkeypatch.setattr(MilvusClient, kind, recording)
    return sent


def passages_of(index: Index, source: str) -> set[str]:
    [article] = [i for i, meta in index.articles.items() if meta["source"] == source]
    return {f"{article}-{n}" for n in range(1, index.articles[article]["passages"] + 1)}


def run_child(folder: Path, directory: Path, tmp_path: Path, phase: str, hold: float) -> subprocess.Popen[bytes]:
    flag = tmp_path / "reached"
    flag.unlink(missing_ok=True)
    log = open(tmp_path / "child.log", "wb")  # noqa: SIM115 - the child writes to it until it ends
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(folder), str(directory), str(flag), phase, str(hold)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_for(child: subprocess.Popen[bytes], tmp_path: Path) -> None:
    """Until the child reaches its phase; fails with its log if it ends or hangs first."""
    deadline = time.monotonic() + 120
    while not (tmp_path / "reached").exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (tmp_path / "reached").exists(), (tmp_path / "child.log").read_text(errors="replace")[-3000:]


def test_the_bot_answers_the_same_from_milvus_as_from_faiss(
    on_milvus: IndexSettings, articles_dir: Path, tmp_path: Path, seed_bot: Bot
) -> None:
    bot = Bot(articles_dir, tmp_path / "index", settings=on_milvus, progress_bar=False)
    assert isinstance(bot.index.store, MilvusStore) and isinstance(seed_bot.index.store, FaissStore)
    assert bot.index.store.count() == seed_bot.index.store.count() == bot.report.passages
    for question in ["What did Sung Kim say?", "Who is Sung Kim?", "Who won the 2018 FIFA World Cup?"]:
        mine, reference = bot.ask(question), seed_bot.ask(question)
        assert [a.text for a in mine.answers] == [a.text for a in reference.answers]
        assert mine.no_answer == reference.no_answer


def test_search_scores_are_cosine_similarities_like_faiss(
    on_milvus: IndexSettings, articles_dir: Path, tmp_path: Path, seed_bot: Bot
) -> None:
    index, _ = Index.open(articles_dir, tmp_path / "index", on_milvus, progress_bar=False)
    embedding = qa.index.settings.text_embedder(on_milvus).run(text="ballistic missile launch off Japan")["embedding"]
    mine, reference = index.store.search(embedding, 3), seed_bot.index.store.search(embedding, 3)
    assert [d.id.rsplit("-", 1)[1] for d in mine] == [d.id.rsplit("-", 1)[1] for d in reference]
    assert [d.meta for d in mine] == [{**d.meta} for d in reference]
    assert [round(d.score or 0, 4) for d in mine] == [round(d.score or 0, 4) for d in reference]


def test_adding_an_article_writes_its_passages_into_the_same_collection(
    on_milvus: IndexSettings, articles_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, store = open_milvus(articles_dir, tmp_path / "index", on_milvus)
    passages_before = store.count()
    (articles_dir / "bees.txt").write_text(BEES.format("half"), encoding="utf-8")
    embedded, sent = count_embedded(monkeypatch), record_rows(monkeypatch)
    index, report = Index.open(articles_dir, tmp_path / "index", on_milvus, progress_bar=False)
    assert (report.added, report.unchanged) == (1, 1)
    assert set(embedded) == set(sent["insert"]) == passages_of(index, "bees.txt")
    assert sent["upsert"] == [], "an added article marks no passage dead"
    assert isinstance(index.store, MilvusStore) and index.store.collection == store.collection
    assert index.store.generation == store.generation + 1
    assert index.store.count() == passages_before + len(embedded) == len(index.bm25.ids) == rows_on_server(store)
    assert first.store.count() == passages_before, "the superseded generation still sees what it saw"


def test_an_update_of_one_article_sends_only_that_articles_rows(
    on_milvus: IndexSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    articles = tmp_path / "articles"
    articles.mkdir()
    for n in range(20):
        (articles / f"town-{n:02d}.txt").write_text(
            f"Town {n} opens a library\n\nThe town of Number {n} opened a library with {n * 7 + 3} shelves.",
            encoding="utf-8",
        )
    (articles / "bees.txt").write_text(BEES.format("half"), encoding="utf-8")
    before, store = open_milvus(articles, tmp_path / "index", on_milvus)
    old_bees, gone = passages_of(before, "bees.txt"), passages_of(before, "town-07.txt")
    rows_before = rows_on_server(store)

    (articles / "bees.txt").write_text(BEES.format("a third") + " Hives in the north fared better.", encoding="utf-8")
    (articles / "town-07.txt").unlink()
    embedded, sent = count_embedded(monkeypatch), record_rows(monkeypatch)
    after, report = Index.open(articles, tmp_path / "index", on_milvus, progress_bar=False)

    assert (report.updated, report.removed, report.unchanged) == (1, 1, 19)
    new_bees = passages_of(after, "bees.txt")
    assert set(embedded) == set(sent["insert"]) == new_bees and len(sent["insert"]) == len(new_bees)
    assert sorted(sent["upsert"]) == sorted(old_bees | gone), "only the replaced and removed passages are marked"
    assert after.store.count() == before.store.count() - len(old_bees) - len(gone) + len(new_bees)
    assert rows_on_server(store) == rows_before + len(new_bees), "the replaced rows stay for the previous generation"
    assert {doc.content for doc in before.store.documents()} != {doc.content for doc in after.store.documents()}
    assert "half" in before.store.document(sorted(old_bees)[0]).content


@pytest.mark.slow
def test_a_reader_keeps_answering_while_another_process_updates_the_index(
    on_milvus: IndexSettings, articles_dir: Path, tmp_path: Path
) -> None:
    (articles_dir / "bees.txt").write_text(BEES.format("half"), encoding="utf-8")
    directory = tmp_path / "index"
    bot = Bot(articles_dir, directory, settings=on_milvus, progress_bar=False)
    assert isinstance(bot.index.store, MilvusStore)
    before = bot.ask(BEES_QUESTION)
    assert before.answers and "half" in before.answers[0].text
    passages, generation_dir = bot.index.store.count(), bot.index.store.directory

    (articles_dir / "bees.txt").write_text(BEES.format("a third"), encoding="utf-8")
    (articles_dir / "lynx.txt").write_text(LYNX, encoding="utf-8")
    child = run_child(articles_dir, directory, tmp_path, "written", hold=2.0)
    asked = asked_while_written = 0
    while child.poll() is None:
        written = (tmp_path / "reached").exists()
        result = bot.ask(BEES_QUESTION)
        assert [a.text for a in result.answers] == [a.text for a in before.answers]
        assert [p.text for p in result.passages] == [p.text for p in before.passages]
        assert bot.index.store.count() == passages
        asked += 1
        if written and child.poll() is None:
            asked_while_written += 1
    assert child.returncode == 0, (tmp_path / "child.log").read_text(errors="replace")[-3000:]
    assert asked_while_written, f"no question was asked while the update's rows were on the server ({asked} asked)"

    assert not generation_dir.exists(), "the update deleted the superseded generation's directory"
    after_update = bot.ask(BEES_QUESTION)
    assert [a.text for a in after_update.answers] == [a.text for a in before.answers]
    assert bot.index.store.count() == passages

    fresh = Bot(articles_dir, directory, settings=on_milvus, progress_bar=False)
    assert fresh.report.rebuilt_because is None and (fresh.report.added, fresh.report.updated) == (0, 0)
    assert "third" in fresh.ask(BEES_QUESTION).answers[0].text
    assert "twelve" in fresh.ask("How many lynx did rangers count in the Alps?").answers[0].text
    assert fresh.index.store.count() == passages + len(passages_of(fresh.index, "lynx.txt"))


@pytest.mark.parametrize(("grace", "kept"), [(milvus_store.GRACE_SECONDS, True), (0.0, False)])
def test_a_superseded_generation_stays_whole_for_its_grace_then_its_rows_go(
    on_milvus: IndexSettings,
    articles_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    grace: float,
    kept: bool,
) -> None:
    monkeypatch.setattr(milvus_store, "GRACE_SECONDS", grace)
    (articles_dir / "bees.txt").write_text(BEES.format("half"), encoding="utf-8")
    reader, store = open_milvus(articles_dir, tmp_path / "index", on_milvus)
    [bees], passages = passages_of(reader, "bees.txt"), store.count()
    for update, amount in enumerate(["a third", "a quarter", "a fifth"], start=1):
        (articles_dir / "bees.txt").write_text(BEES.format(amount), encoding="utf-8")
        _, latest_store = open_milvus(articles_dir, tmp_path / "index", on_milvus)
        assert latest_store.generation == store.generation + update
        if update < 3 or kept:  # the replacing generation was current when this build began, or it is recent
            assert "half" in store.document(bees).content and store.count() == passages
        else:
            with pytest.raises(KeyError):
                store.document(bees)
    # Kept for their readers: each superseded generation's copy of the article, the first one's only within its grace
    assert rows_on_server(latest_store) == latest_store.count() + (3 if kept else 2)


@pytest.mark.slow
@pytest.mark.parametrize("phase", ["written", "renamed"])
def test_a_killed_build_leaves_the_previous_generation_and_the_next_build_undoes_it(
    on_milvus: IndexSettings, articles_dir: Path, tmp_path: Path, phase: str
) -> None:
    (articles_dir / "bees.txt").write_text(BEES.format("half"), encoding="utf-8")
    directory = tmp_path / "index"
    reader, store = open_milvus(articles_dir, directory, on_milvus)
    [bees] = passages_of(reader, "bees.txt")
    passages, rows = store.count(), rows_on_server(store)

    (articles_dir / "bees.txt").write_text(BEES.format("a third"), encoding="utf-8")
    (articles_dir / "lynx.txt").write_text(LYNX, encoding="utf-8")
    child = run_child(articles_dir, directory, tmp_path, phase, hold=600)
    try:
        wait_for(child, tmp_path)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert rows_on_server(store) > rows, "the killed build had written to the server"
    assert store.count() == passages and "half" in store.document(bees).content
    assert json.loads((directory / MANIFEST).read_text(encoding="utf-8"))["generation"] == store.directory.name

    # Back to the old text: had the killed build's death mark stayed, the next generation would not see it.
    (articles_dir / "bees.txt").write_text(BEES.format("half"), encoding="utf-8")
    after, report = Index.open(articles_dir, directory, on_milvus, progress_bar=False)
    assert isinstance(after.store, MilvusStore) and (report.added, report.updated) == (1, 0)
    assert after.store.generation == store.generation + 1 and after.store.collection == store.collection
    assert "half" in after.store.document(bees).content
    assert after.store.count() == passages + len(passages_of(after, "lynx.txt")) == len(after.bm25.ids)
    assert rows_on_server(store) == after.store.count(), "the killed build's rows are gone"
    assert store.count() == passages


def test_a_rebuild_keeps_the_replaced_collection_for_its_readers_then_drops_it(
    on_milvus: IndexSettings, articles_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(milvus_store, "GRACE_SECONDS", 0.0)
    _, old = open_milvus(articles_dir, tmp_path / "index", on_milvus)
    _, rebuilt = open_milvus(articles_dir, tmp_path / "index", on_milvus, rebuild=True)
    assert rebuilt.collection != old.collection and {old.collection, rebuilt.collection} <= collections(old)
    assert old.count() == rebuilt.count() and "Sung Kim" in "".join(doc.content or "" for doc in old.documents())
    (articles_dir / "bees.txt").write_text(BEES.format("half"), encoding="utf-8")
    open_milvus(articles_dir, tmp_path / "index", on_milvus)
    assert old.collection in collections(old), "the rebuilt generation was current when this update began"
    (articles_dir / "bees.txt").write_text(BEES.format("a third"), encoding="utf-8")
    _, latest = open_milvus(articles_dir, tmp_path / "index", on_milvus)
    assert old.collection not in collections(old) and latest.collection == rebuilt.collection


def test_a_failed_first_build_drops_its_collection(
    on_milvus: IndexSettings, articles_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[MilvusStore] = []
    real_derive = MilvusStore.derive.__func__  # type: ignore[attr-defined]

    def derive(cls: type[MilvusStore], directory: Path, previous: Any) -> MilvusStore:
        made.append(real_derive(cls, directory, previous))
        raise RuntimeError("the build failed")

    monkeypatch.setattr(MilvusStore, "derive", classmethod(derive))
    with pytest.raises(RuntimeError, match="the build failed"):
        Index.open(articles_dir, tmp_path / "index", on_milvus, progress_bar=False)
    [store] = made
    assert store.collection not in collections(store)


def test_a_collection_missing_on_the_server_is_rebuilt(
    on_milvus: IndexSettings, articles_dir: Path, tmp_path: Path
) -> None:
    index, store = open_milvus(articles_dir, tmp_path / "index", on_milvus)
    store.client.drop_collection(store.collection)
    rebuilt, report = Index.open(articles_dir, tmp_path / "index", on_milvus, progress_bar=False)
    assert report.rebuilt_because is not None and "is missing on" in report.rebuilt_because
    assert rebuilt.store.count() == len(index.bm25.ids)
    manifest = json.loads((tmp_path / "index" / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["settings"]["store"] == "milvus"


def test_an_unreachable_server_is_a_clear_error(
    articles_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QA_MILVUS_URI", "http://127.0.0.1:9")
    with pytest.raises(IndexingError, match=r"Cannot reach the Milvus server at http://127.0.0.1:9"):
        Index.open(articles_dir, tmp_path / "index", IndexSettings(store="milvus"), progress_bar=False)
