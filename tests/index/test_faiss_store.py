"""The embedded dense store (`qa.index.stores.faiss_store`): FAISS vectors and SQLite passages on disk, exact or HNSW
by size, real embeddings."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from haystack import Document

import qa.index.stores.faiss_store
from qa.errors import IndexingError
from qa.index.index import Index
from qa.index.settings import IndexSettings, document_embedder, text_embedder
from qa.index.stores.base import StoreError
from qa.index.stores.faiss_store import FaissStore
from qa.index.stores.registry import store_class

TOPICS = {
    "bees": "Beekeepers in Norway lost half of their honeybee colonies to a parasitic mite over the winter.",
    "rail": "The new high-speed railway between Leeds and Manchester will open two years late, engineers said.",
    "chess": "A twelve-year-old from Chennai became the youngest grandmaster after winning the Sitges open.",
    "floods": "Heavy rain flooded hundreds of homes in Valencia, and the regional government declared an emergency.",
    "vaccine": "Regulators approved a malaria vaccine for children after trials in Ghana and Kenya.",
}


@pytest.fixture(scope="module")
def embedded() -> list[Document]:
    documents = [Document(id=f"{name}-1", content=text, meta={"title": name}) for name, text in TOPICS.items()]
    result: list[Document] = document_embedder(IndexSettings()).run(documents=documents)["documents"]
    return result


@pytest.fixture(scope="module")
def embed() -> Any:
    embedder = text_embedder(IndexSettings())
    return lambda text: embedder.run(text=text)["embedding"]


def committed(directory: Path, documents: list[Document], previous: FaissStore | None = None) -> FaissStore:
    directory.mkdir()
    store = FaissStore.derive(directory, previous)
    store.write(documents)
    store.commit()
    return FaissStore.load(directory)


def test_search_finds_the_passage_about_the_question(tmp_path: Path, embedded: list[Document], embed: Any) -> None:
    store = committed(tmp_path / "g1", embedded)
    [top, second] = store.search(embed("Why did the honeybees die?"), top_k=2)
    assert top.id == "bees-1" and top.content == TOPICS["bees"] and top.meta == {"title": "bees"}
    assert top.embedding is None and top.score is not None and second.score is not None
    assert 0 < second.score < top.score <= 1
    assert store.count() == len(TOPICS)
    assert [doc.id for doc in store.documents()] == sorted(f"{name}-1" for name in TOPICS)
    assert store.document("rail-1").content == TOPICS["rail"]
    with pytest.raises(KeyError, match="nope"):
        store.document("nope")


def test_a_derived_store_changes_without_touching_its_parent(
    tmp_path: Path, embedded: list[Document], embed: Any
) -> None:
    first = committed(tmp_path / "g1", embedded)
    (tmp_path / "g2").mkdir()
    second = FaissStore.derive(tmp_path / "g2", first)
    second.delete(["bees-1", "unknown-1"])
    second.write([Document(id="bees-1", content="Now about tea.", meta={"title": "tea"}, embedding=embed("tea"))])
    second.delete(["chess-1"])
    second.commit()
    reloaded = FaissStore.load(tmp_path / "g2")
    assert reloaded.count() == reloaded.vectors.ntotal == len(TOPICS) - 1
    assert reloaded.document("bees-1").content == "Now about tea."
    assert reloaded.search(embed("tea"), top_k=1)[0].id == "bees-1"
    assert "chess-1" not in {doc.id for doc in reloaded.documents()}
    assert FaissStore.load(tmp_path / "g1").document("bees-1").content == TOPICS["bees"]
    assert first.count() == len(TOPICS)


def test_a_committed_store_is_read_only(tmp_path: Path, embedded: list[Document]) -> None:
    store = committed(tmp_path / "g1", embedded)
    with pytest.raises(StoreError, match="derive a new one"):
        store.delete(["bees-1"])


def test_a_passage_without_embedding_is_refused(tmp_path: Path) -> None:
    store = FaissStore.derive(tmp_path, None)
    with pytest.raises(ValueError, match="needs its embedding"):
        store.write([Document(id="a-1", content="text")])


def test_disagreeing_files_are_detected(tmp_path: Path, embedded: list[Document]) -> None:
    committed(tmp_path / "g1", embedded[:2])
    committed(tmp_path / "g2", embedded)
    shutil.copyfile(tmp_path / "g1" / FaissStore.VECTORS, tmp_path / "g2" / FaissStore.VECTORS)
    with pytest.raises(StoreError, match="2 vectors"):
        FaissStore.load(tmp_path / "g2")


@pytest.mark.parametrize(("threshold", "approximate"), [(len(TOPICS) + 1, False), (len(TOPICS), True)])
def test_the_index_is_approximate_from_the_threshold(
    tmp_path: Path,
    embedded: list[Document],
    embed: Any,
    monkeypatch: pytest.MonkeyPatch,
    threshold: int,
    approximate: bool,
) -> None:
    monkeypatch.setattr(qa.index.stores.faiss_store, "APPROXIMATE_FROM", threshold)
    store = committed(tmp_path / "g1", embedded)
    assert store.approximate is approximate
    assert store.search(embed("a flood in Spain"), top_k=1)[0].id == "floods-1"


@pytest.mark.slow
def test_a_whole_index_works_on_hnsw(articles_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(qa.index.stores.faiss_store, "APPROXIMATE_FROM", 5)
    index, report = Index.open(articles_dir, tmp_path / "index", progress_bar=False)
    assert isinstance(index.store, FaissStore) and index.store.approximate
    assert report.passages == index.store.count() > 5
    (articles_dir / "bees.txt").write_text("Bees\n\n" + TOPICS["bees"], encoding="utf-8")
    index, report = Index.open(articles_dir, tmp_path / "index", progress_bar=False)
    assert report.added == 1 and isinstance(index.store, FaissStore) and index.store.approximate
    embedding = text_embedder(IndexSettings()).run(text="Why did the honeybees die?")["embedding"]
    assert index.store.search(embedding, top_k=1)[0].meta["source"] == "bees.txt"


def test_unknown_store_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"Unknown document store 'nope'. Use one of 'faiss'"):
        store_class("nope")
    with pytest.raises(IndexingError, match="Unknown document store 'nope'"):
        IndexSettings(store="nope")


def test_the_store_is_chosen_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_STORE", "nope")
    with pytest.raises(IndexingError, match="'nope'"):
        IndexSettings()
    monkeypatch.setenv("QA_STORE", "faiss")
    assert IndexSettings().store == "faiss"
