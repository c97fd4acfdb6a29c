"""The server-backed dense store (`qa.index.stores.milvus_store`), against a real Milvus server on loopback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import qa.index.settings
from qa import Bot
from qa.errors import IndexingError
from qa.index.folder import MANIFEST
from qa.index.index import Index
from qa.index.settings import IndexSettings
from qa.index.stores.faiss_store import FaissStore
from qa.index.stores.milvus_store import MilvusStore
from tests.index.test_index import count_embedded

pytestmark = pytest.mark.server

BEES = "Honeybee colonies collapse across Norway\n\nBeekeepers in Norway lost half of their colonies to a mite."


@pytest.fixture
def on_milvus(milvus_uri: str, monkeypatch: pytest.MonkeyPatch) -> IndexSettings:
    monkeypatch.setenv("QA_MILVUS_URI", milvus_uri)
    return IndexSettings(store="milvus")


def collections(index: Index) -> set[str]:
    assert isinstance(index.store, MilvusStore)
    return {name for name in index.store.client.list_collections() if name.startswith("qa_")}


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


def test_an_update_embeds_only_the_new_article_and_drops_the_old_collection(
    on_milvus: IndexSettings, articles_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _ = Index.open(articles_dir, tmp_path / "index", on_milvus, progress_bar=False)
    assert isinstance(first.store, MilvusStore)
    superseded, passages_before = first.store.collection, first.store.count()
    assert superseded in collections(first)
    (articles_dir / "bees.txt").write_text(BEES, encoding="utf-8")
    embedded = count_embedded(monkeypatch)
    index, report = Index.open(articles_dir, tmp_path / "index", on_milvus, progress_bar=False)
    assert (report.added, report.unchanged) == (1, 1)
    assert {i.rsplit("-", 1)[0] for i in embedded} == {
        i for i, meta in index.articles.items() if meta["source"] == "bees.txt"
    }
    assert index.store.count() == passages_before + len(embedded) == len(index.bm25.ids)
    now = collections(index)
    assert isinstance(index.store, MilvusStore) and index.store.collection in now
    assert superseded not in now, "the superseded generation's collection was kept"


def test_a_collection_missing_on_the_server_is_rebuilt(
    on_milvus: IndexSettings, articles_dir: Path, tmp_path: Path
) -> None:
    index, _ = Index.open(articles_dir, tmp_path / "index", on_milvus, progress_bar=False)
    assert isinstance(index.store, MilvusStore)
    index.store.client.drop_collection(index.store.collection)
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
