"""The on-disk index: incremental updates, damage detection, interrupted builds (`qa.index`), with the real model."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import qa.index.build
import qa.index.disk
from qa.errors import ArticleError, IndexingError, SettingError
from qa.index.folder import MANIFEST, fingerprint
from qa.index.index import Index
from qa.index.report import IndexReport
from qa.index.settings import IndexSettings, text_embedder
from qa.index.stores.faiss_store import FaissStore
from tests.conftest import ROOT
from tests.index.conftest import open_index
from tests.made_files import CSV, LONG_SENTENCE, page, write_pdf

SEED_NAME = "seed-north-korea.txt"

BEES = (
    "Honeybee colonies collapse across Norway\n\n"
    "Beekeepers in Norway said on Monday that nearly half of their honeybee colonies died over the winter. "
    "Researchers blame a parasitic mite and an unusually wet autumn. "
    "The hives around Trondheim were hit hardest, with some farms losing every colony.\n\n"
    "The agriculture ministry promised emergency grants to beekeepers. "
    "Farmers fear that orchards will not be pollinated this spring."
)


def generations(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.is_dir() and p.name.startswith("g"))


def staging_dirs(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def current_generation(directory: Path) -> Path:
    return directory / json.loads((directory / MANIFEST).read_text(encoding="utf-8"))["generation"]


def passage_ids(index: Index, article_id: str) -> set[str]:
    return {doc.id for doc in index.store.documents() if doc.id.startswith(f"{article_id}-")}


def article_id(index: Index, source: str) -> str:
    [found] = [i for i, meta in index.articles.items() if meta["source"] == source]
    return found


def forbid_embedding(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the index was re-embedded")

    monkeypatch.setattr(qa.index.build, "document_embedder", refuse)


def count_embedded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the ids of the passages sent to the embedding model."""
    embedded: list[str] = []
    real = qa.index.build.document_embedder

    class Recording:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self.inner = real(*args, **kwargs)

        def run(self, documents: list[Any]) -> dict[str, Any]:
            embedded.extend(doc.id for doc in documents)
            return self.inner.run(documents=documents)  # type: ignore[no-any-return]

    monkeypatch.setattr(qa.index.build, "document_embedder", Recording)
    return embedded


def assert_consistent(index: Index) -> None:
    """Store (texts and vectors), BM25 and manifest agree on the passages."""
    ids = {doc.id for doc in index.store.documents()}
    assert isinstance(index.store, FaissStore)
    assert index.store.count() == index.store.vectors.ntotal == len(ids)
    assert set(index.bm25.ids) == ids and len(index.bm25.ids) == len(ids)
    assert sum(meta["passages"] for meta in index.articles.values()) == len(ids)
    assert {i.rsplit("-", 1)[0] for i in ids} == set(index.articles)


# --- building and updating -------------------------------------------------------------------------------------


def test_first_build(articles_dir: Path, tmp_path: Path) -> None:
    directory = tmp_path / "fresh"
    index, report = open_index(articles_dir, directory)
    assert (report.added, report.updated, report.removed, report.unchanged) == (1, 0, 0, 0)
    assert report.rebuilt_because == "no index yet"
    assert report.changed
    assert report.articles == 1 and report.passages == index.store.count() > 2
    assert "1 added" in report.summary()
    [meta] = index.articles.values()
    assert meta["source"] == SEED_NAME and meta["title"].startswith("North Korea fires")
    assert generations(directory) == [index.manifest["generation"]]
    assert json.loads((directory / MANIFEST).read_text(encoding="utf-8"))["articles_folder"] == str(articles_dir)
    assert_consistent(index)


def test_reopen_unchanged_does_not_re_embed(
    articles_dir: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    forbid_embedding(monkeypatch)
    monkeypatch.setattr(qa.index.build, "read_files", lambda *a: pytest.fail("the articles were read again"))
    index, report = open_index(articles_dir, index_dir)
    assert not report.changed
    assert report.rebuilt_because is None
    assert report.articles == 1 and report.passages == index.store.count() > 2
    assert report.summary().startswith("Index is up to date")
    assert_consistent(index)


def test_adding_a_file_embeds_only_the_new_article(
    articles_dir: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before, _ = open_index(articles_dir, index_dir)
    (articles_dir / "bees.txt").write_text(BEES, encoding="utf-8")
    embedded = count_embedded(monkeypatch)
    index, report = open_index(articles_dir, index_dir)
    assert (report.added, report.updated, report.removed, report.unchanged) == (1, 0, 0, 1)
    assert report.rebuilt_because is None
    bees = article_id(index, "bees.txt")
    assert embedded and set(embedded) == passage_ids(index, bees)
    assert passage_ids(index, article_id(index, SEED_NAME)) == {doc.id for doc in before.store.documents()}
    assert report.articles == 2 and report.passages == index.store.count()
    assert_consistent(index)


def test_editing_a_file_updates_it(articles_dir: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (articles_dir / "bees.txt").write_text(BEES, encoding="utf-8")
    open_index(articles_dir, index_dir)
    seed = articles_dir / SEED_NAME
    seed.write_text(seed.read_text(encoding="utf-8").replace("Kishida", "Zorblax"), encoding="utf-8")
    embedded = count_embedded(monkeypatch)
    index, report = open_index(articles_dir, index_dir)
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 1, 0, 1)
    assert embedded and set(embedded) == passage_ids(index, article_id(index, SEED_NAME))
    assert not index.bm25.search("Kishida", 5)
    [(found, _)] = index.bm25.search("Zorblax", 5)
    assert "Zorblax" in (index.document(found).content or "")
    assert all("Kishida" not in (doc.content or "") for doc in index.store.documents())
    assert_consistent(index)


def test_a_folder_with_bad_entries_is_indexed_without_them(articles_dir: Path, index_dir: Path) -> None:
    os.symlink("loop.txt", articles_dir / "loop.txt")
    (articles_dir / os.fsdecode(b"\xff\xfe.txt")).write_text(BEES, encoding="utf-8")
    index, _ = open_index(articles_dir, index_dir)
    assert [entry["source"] for entry in index.articles.values()] == [SEED_NAME]
    _, again = open_index(articles_dir, index_dir)
    assert not again.changed


def test_the_fingerprint_reads_a_bounded_part_of_a_large_file(articles_dir: Path, index_dir: Path) -> None:
    """A file far larger than memory (sparse here) costs the fingerprint two samples: read whole, it would raise
    MemoryError on every `qa ask`."""
    with (articles_dir / "huge.txt").open("wb") as handle:
        handle.truncate(60 * 10**9)
    before = fingerprint(articles_dir.resolve(), index_dir.resolve(), IndexSettings())
    with (articles_dir / "huge.txt").open("r+b") as handle:
        handle.seek(-1, 2)
        handle.write(b"x")  # a change at its very end still changes the fingerprint
    assert fingerprint(articles_dir.resolve(), index_dir.resolve(), IndexSettings()) != before


def test_a_folder_larger_than_the_limit_stops_with_a_message(
    articles_dir: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    size = (articles_dir / SEED_NAME).stat().st_size
    (articles_dir / "more.txt").write_text(BEES, encoding="utf-8")
    before = (index_dir / MANIFEST).read_bytes()
    monkeypatch.setenv("QA_MAX_FOLDER_BYTES", str(size + 10))

    with pytest.raises(ArticleError, match=f"holds more than {size + 10:,} bytes of article files.*QA_MAX_FOLDER"):
        open_index(articles_dir, index_dir)
    assert (index_dir / MANIFEST).read_bytes() == before

    monkeypatch.setenv("QA_MAX_FOLDER_BYTES", "0")  # no limit
    assert open_index(articles_dir, index_dir)[1].added == 1
    monkeypatch.setenv("QA_MAX_FOLDER_BYTES", "a lot")
    with pytest.raises(SettingError, match="QA_MAX_FOLDER_BYTES must be a number of bytes"):
        open_index(articles_dir, index_dir)


def test_a_long_article_is_embedded_a_chunk_at_a_time(
    articles_dir: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One article of many passages (a 25 MB text file has tens of thousands) never goes to the model in one call.

    (`index_dir` holds the seed article already: only the new one is embedded.)"""
    monkeypatch.setattr(qa.index.build, "EMBED_CHUNK", 8)
    sentences = " ".join(f"Sentence number {n} is about the {TOPICS[n % len(TOPICS)]}." for n in range(120))
    (articles_dir / "long.txt").write_text(f"Long\n\n{sentences}", encoding="utf-8")
    calls: list[int] = []
    real = qa.index.build.document_embedder

    class Counting:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self.inner = real(*args, **kwargs)

        def run(self, documents: list[Any]) -> dict[str, Any]:
            calls.append(len(documents))
            return self.inner.run(documents=documents)  # type: ignore[no-any-return]

    monkeypatch.setattr(qa.index.build, "document_embedder", Counting)
    index, _ = open_index(articles_dir, index_dir)
    assert max(calls) <= 8 and sum(calls) == len(passage_ids(index, article_id(index, "long.txt"))) > 30
    assert_consistent(index)


def test_deleting_a_file_removes_its_passages_everywhere(articles_dir: Path, index_dir: Path) -> None:
    (articles_dir / "bees.txt").write_text(BEES, encoding="utf-8")
    with_bees, _ = open_index(articles_dir, index_dir)
    bees = article_id(with_bees, "bees.txt")
    gone = passage_ids(with_bees, bees)
    assert gone
    (articles_dir / "bees.txt").unlink()
    index, report = open_index(articles_dir, index_dir)
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 0, 1, 1)
    assert bees not in index.articles
    assert not gone & {doc.id for doc in index.store.documents()}
    assert not gone & set(index.bm25.ids)
    assert not index.bm25.search("honeybee Trondheim", 5)
    assert_consistent(index)
    reloaded = Index._load(index_dir)
    assert not gone & {doc.id for doc in reloaded.store.documents()} and not gone & set(reloaded.bm25.ids)


@pytest.mark.slow
def test_pages_pdfs_and_tables_in_nested_folders_are_indexed_and_updated_alone(
    articles_dir: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (articles_dir / "web" / "2024" / "03").mkdir(parents=True)
    (articles_dir / "web" / "2024" / "03" / "hull.html").write_text(page(), encoding="utf-8")
    (articles_dir / "docs").mkdir()
    write_pdf(articles_dir / "docs" / "ferry.pdf", [f"Ferry terminal to open\n\n{LONG_SENTENCE}"])
    (articles_dir / "news.csv").write_bytes(CSV.encode("utf-8"))
    embedded = count_embedded(monkeypatch)
    index, report = open_index(articles_dir, index_dir)
    assert (report.added, report.updated, report.removed, report.unchanged) == (5, 0, 0, 1)
    assert {meta["source"] for meta in index.articles.values()} == {
        SEED_NAME,
        "web/2024/03/hull.html",
        "docs/ferry.pdf",
        "news.csv#2",
        "news.csv#6",
        "news.csv#8",
    }
    assert [skip.path for skip in report.skipped] == ["news.csv#7"]
    seed_passages = passage_ids(index, article_id(index, SEED_NAME))
    assert set(embedded) == {doc.id for doc in index.store.documents()} - seed_passages

    embedded.clear()
    (articles_dir / "news.csv").write_bytes(CSV.replace("without quotes", "now with an edit").encode("utf-8"))
    (articles_dir / "web" / "2024" / "03" / "hull.html").write_text(page(homes="25,000"), encoding="utf-8")
    index, report = open_index(articles_dir, index_dir)
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 2, 0, 4)
    changed = passage_ids(index, article_id(index, "news.csv#6")) | passage_ids(
        index, article_id(index, "web/2024/03/hull.html")
    )
    assert set(embedded) == changed
    assert_consistent(index)


def test_a_copy_is_indexed_once_and_takes_over_when_the_original_goes(
    articles_dir: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(articles_dir / SEED_NAME, articles_dir / "a-copy.txt")  # sorts before the original
    record = json.dumps({"title": "Bees", "text": BEES})
    (articles_dir / "feed.jsonl").write_text(f"{record}\n{record}\n", encoding="utf-8")
    embedded = count_embedded(monkeypatch)
    index, report = open_index(articles_dir, index_dir)
    assert (report.added, report.updated, report.removed, report.unchanged) == (1, 0, 0, 1)
    assert {meta["source"] for meta in index.articles.values()} == {SEED_NAME, "feed.jsonl#1"}
    assert set(embedded) == passage_ids(index, article_id(index, "feed.jsonl#1"))
    assert [(skip.path, skip.duplicate_of) for skip in report.skipped] == [
        ("a-copy.txt", SEED_NAME),
        ("feed.jsonl#2", "feed.jsonl#1"),
    ]

    (articles_dir / SEED_NAME).unlink()
    index, report = open_index(articles_dir, index_dir)
    assert (report.added, report.updated, report.removed, report.unchanged) == (1, 0, 1, 1)
    assert {meta["source"] for meta in index.articles.values()} == {"a-copy.txt", "feed.jsonl#1"}
    assert_consistent(index)


def test_rebuild_starts_over(articles_dir: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = current_generation(index_dir).name
    embedded = count_embedded(monkeypatch)
    index, report = open_index(articles_dir, index_dir, rebuild=True)
    assert report.rebuilt_because == "rebuild requested"
    assert (report.added, report.unchanged) == (1, 0)
    assert set(embedded) == {doc.id for doc in index.store.documents()}
    assert generations(index_dir) == [index.manifest["generation"]] != [old]
    assert_consistent(index)


@pytest.mark.slow
def test_changed_settings_rebuild(articles_dir: Path, index_dir: Path) -> None:
    index, report = open_index(articles_dir, index_dir, settings=IndexSettings(sentences_per_passage=2))
    assert report.rebuilt_because == "the index settings changed"
    assert report.added == 1
    assert index.manifest["settings"]["sentences_per_passage"] == 2
    assert all(len(doc.content or "") < 700 for doc in index.store.documents())
    assert_consistent(index)


def test_a_missing_model_directory_is_an_indexing_error(articles_dir: Path, index_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(IndexingError, match="not a directory"):
        open_index(articles_dir, index_dir, settings=IndexSettings(model=str(tmp_path / "no-model")))
    _, report = open_index(articles_dir, index_dir)
    assert not report.changed


def test_only_one_generation_remains_after_several_updates(articles_dir: Path, index_dir: Path) -> None:
    (articles_dir / "bees.txt").write_text(BEES, encoding="utf-8")
    open_index(articles_dir, index_dir)
    (articles_dir / "bees.txt").write_text(BEES.replace("Norway", "Sweden"), encoding="utf-8")
    open_index(articles_dir, index_dir)
    (articles_dir / "sub").mkdir()
    (articles_dir / "sub" / "more.md").write_text("# More\n\nAnother short article about tea.", encoding="utf-8")
    open_index(articles_dir, index_dir)
    (articles_dir / "bees.txt").unlink()
    index, report = open_index(articles_dir, index_dir)
    assert report.removed == 1
    assert generations(index_dir) == [index.manifest["generation"]]
    assert staging_dirs(index_dir) == []
    assert {meta["source"] for meta in index.articles.values()} == {SEED_NAME, "sub/more.md"}
    assert_consistent(index)


def test_skipped_files_are_reported(articles_dir: Path, index_dir: Path) -> None:
    (articles_dir / "empty.txt").write_bytes(b"")
    (articles_dir / "broken.json").write_text("{", encoding="utf-8")
    _, report = open_index(articles_dir, index_dir)
    assert {skip.path for skip in report.skipped} == {"empty.txt", "broken.json"}
    assert report.articles == 1
    _, again = open_index(articles_dir, index_dir)  # unchanged: not read again, but still reported
    assert not again.changed
    assert again.skipped == report.skipped


def test_hidden_and_unsupported_files_do_not_change_the_index(
    articles_dir: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (articles_dir / ".draft.txt").write_text("Draft\n\nNot ready.", encoding="utf-8")
    (articles_dir / "picture.png").write_bytes(b"\x89PNG")
    forbid_embedding(monkeypatch)
    _, report = open_index(articles_dir, index_dir)
    assert not report.changed


# --- searching -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("word", "phrase"), [("Kishida", "Fumio Kishida"), ("hypocrisy", "hypocrisy")])
def test_bm25_finds_a_passage_by_a_rare_word(articles_dir: Path, index_dir: Path, word: str, phrase: str) -> None:
    index, _ = open_index(articles_dir, index_dir)
    hits = index.bm25.search(word, 3)
    assert hits
    assert phrase in (index.document(hits[0][0]).content or "")
    assert all(score > 0 for _, score in hits)
    assert [score for _, score in hits] == sorted((score for _, score in hits), reverse=True)


def test_bm25_ignores_stopwords_and_unknown_words(articles_dir: Path, index_dir: Path) -> None:
    index, _ = open_index(articles_dir, index_dir)
    assert index.bm25.search("the of and", 5) == []
    assert index.bm25.search("xylophonist", 5) == []
    assert index.bm25.search("", 5) == []


def test_dense_search_finds_the_right_article(articles_dir: Path, index_dir: Path) -> None:
    (articles_dir / "bees.txt").write_text(BEES, encoding="utf-8")
    index, _ = open_index(articles_dir, index_dir)
    embedder = text_embedder(IndexSettings())
    bees = embedder.run(text="Why did the bee hives die over the winter?")["embedding"]
    [top] = index.store.search(bees, top_k=1)
    assert top.meta["source"] == "bees.txt"
    missile = embedder.run(text="How many ballistic missiles did Japan's Prime Minister say were fired?")["embedding"]
    assert "Kishida" in (index.store.search(missile, top_k=1)[0].content or "")


@pytest.mark.slow
def test_every_passage_vector_belongs_to_its_passage_after_updates(articles_dir: Path, index_dir: Path) -> None:
    (articles_dir / "bees.txt").write_text(BEES, encoding="utf-8")
    open_index(articles_dir, index_dir)
    seed = articles_dir / SEED_NAME
    seed.write_text(seed.read_text(encoding="utf-8").replace("Tuesday", "Wednesday"), encoding="utf-8")
    open_index(articles_dir, index_dir)
    index = Index._load(index_dir)
    embedder = text_embedder(IndexSettings())
    for doc in index.store.documents():
        vector = embedder.run(text=f"{doc.meta['title']}\n{doc.content}")["embedding"]
        [top] = index.store.search(vector, top_k=1)
        assert top.id == doc.id
        assert (top.score or 0) > 0.99


# --- damaged indexes are rebuilt -------------------------------------------------------------------------------


def _overwrite_middle(path: Path) -> None:
    """Bytes changed in place, the file still whole and readable: vectors with wild values, a bad data page."""
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _drop_one_bm25_id(generation: Path) -> None:
    ids = generation / "bm25" / "ids.json"
    ids.write_text(json.dumps(json.loads(ids.read_text(encoding="utf-8"))[:-1]), encoding="utf-8")


DAMAGE: dict[str, tuple[Callable[[Path, Path], object], str]] = {
    "faiss-truncated": (lambda d, g: _truncate(g / "passages.faiss"), "damaged"),
    "faiss-empty": (lambda d, g: (g / "passages.faiss").write_bytes(b""), "damaged"),
    "faiss-garbage": (lambda d, g: (g / "passages.faiss").write_bytes(os.urandom(4000)), "damaged"),
    "faiss-missing": (lambda d, g: (g / "passages.faiss").unlink(), "passages.faiss is missing"),
    "sqlite-truncated": (lambda d, g: _truncate(g / "passages.sqlite"), "damaged"),
    "sqlite-garbage": (lambda d, g: (g / "passages.sqlite").write_bytes(os.urandom(8192)), "damaged"),
    "sqlite-missing": (lambda d, g: (g / "passages.sqlite").unlink(), "passages.sqlite is missing"),
    "bm25-ids-garbage": (lambda d, g: (g / "bm25" / "ids.json").write_text("[", encoding="utf-8"), "damaged"),
    "bm25-ids-short": (lambda d, g: _drop_one_bm25_id(g), "bm25/ids.json does not match its checksum"),
    "faiss-vectors-overwritten": (lambda d, g: _overwrite_middle(g / "passages.faiss"), "does not match its checksum"),
    "sqlite-page-overwritten": (lambda d, g: _overwrite_middle(g / "passages.sqlite"), "does not match its checksum"),
    "bm25-missing": (lambda d, g: shutil.rmtree(g / "bm25"), "damaged"),
    "generation-missing": (lambda d, g: shutil.rmtree(g), "missing"),
    "manifest-invalid-json": (
        lambda d, g: (d / MANIFEST).write_text('{"format": 1, "gen', encoding="utf-8"),
        "damaged",
    ),
    "manifest-empty": (lambda d, g: (d / MANIFEST).write_text("", encoding="utf-8"), "damaged"),
    "manifest-other-format": (
        lambda d, g: (d / MANIFEST).write_text(json.dumps({"format": 99, "generation": g.name}), encoding="utf-8"),
        "format 99",
    ),
    "manifest-no-format": (lambda d, g: (d / MANIFEST).write_text("{}", encoding="utf-8"), "format None"),
    "manifest-unknown-generation": (
        lambda d, g: (d / MANIFEST).write_text(
            (d / MANIFEST).read_text(encoding="utf-8").replace(g.name, "g-nowhere"), encoding="utf-8"
        ),
        "g-nowhere/passages.faiss is missing",
    ),
    "manifest-missing": (lambda d, g: (d / MANIFEST).unlink(), "no index yet"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_index_is_detected_and_rebuilt(articles_dir: Path, index_dir: Path, damage: str) -> None:
    expected_passages = Index._load(index_dir).store.count()
    damage_it, reason = DAMAGE[damage]
    damage_it(index_dir, current_generation(index_dir))
    index, report = open_index(articles_dir, index_dir)
    assert report.rebuilt_because is not None and reason in report.rebuilt_because
    assert report.changed and report.added == 1
    assert index.store.count() == expected_passages
    assert_consistent(index)
    assert generations(index_dir) == [index.manifest["generation"]]
    _, again = open_index(articles_dir, index_dir)
    assert not again.changed


def test_a_question_that_meets_a_store_damaged_since_it_was_opened_gets_a_clear_error(
    articles_dir: Path, index_dir: Path
) -> None:
    index, _ = open_index(articles_dir, index_dir)
    database = index.store.directory / "passages.sqlite"
    data = database.read_bytes()
    database.write_bytes(data[:4096] + b"\xff" * (len(data) - 4096))  # every page after the first
    with pytest.raises(IndexingError, match=r"is damaged .*It is rebuilt when it is next opened"):
        list(index.store.documents())
    rebuilt, report = open_index(articles_dir, index_dir)
    assert report.rebuilt_because and "passages.sqlite does not match its checksum" in report.rebuilt_because
    assert_consistent(rebuilt)


@pytest.mark.parametrize("content", ["[]", "null", '"text"', "3"])
def test_manifest_that_is_not_an_object_is_rebuilt(articles_dir: Path, index_dir: Path, content: str) -> None:
    (index_dir / MANIFEST).write_text(content, encoding="utf-8")
    _, report = open_index(articles_dir, index_dir)
    assert report.rebuilt_because


@pytest.mark.parametrize("key", ["fingerprint", "articles", "settings"])
def test_manifest_missing_a_key_is_rebuilt(articles_dir: Path, index_dir: Path, key: str) -> None:
    manifest = json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))
    del manifest[key]
    (index_dir / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    (articles_dir / "bees.txt").write_text(BEES, encoding="utf-8")  # a change, so that the manifest is read in full
    _, report = open_index(articles_dir, index_dir)
    assert report.rebuilt_because


def test_an_index_inside_the_articles_folder_stays_up_to_date(
    articles_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = articles_dir / "index"
    open_index(articles_dir, directory)

    def refuse(*args: object) -> None:
        raise AssertionError("the articles were read again although nothing changed")

    monkeypatch.setattr(qa.index.build, "read_files", refuse)
    _, report = open_index(articles_dir, directory)
    assert not report.changed


# --- nothing to index ------------------------------------------------------------------------------------------


def test_empty_folder_is_an_indexing_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(IndexingError, match=r"No readable articles in .*empty"):
        open_index(tmp_path / "empty", tmp_path / "index")
    assert not (tmp_path / "index" / MANIFEST).exists()


def test_folder_of_bad_files_is_an_indexing_error(tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02")
    (folder / "broken.json").write_text("{", encoding="utf-8")
    (folder / "title-only.txt").write_text("Only a title\n", encoding="utf-8")
    with pytest.raises(IndexingError, match=r"No readable articles .*\.txt"):
        open_index(folder, tmp_path / "index")


def test_missing_folder_is_an_article_error(tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match="nowhere"):
        open_index(tmp_path / "nowhere", tmp_path / "index")


def test_emptied_folder_keeps_the_previous_index(
    articles_dir: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generation = current_generation(index_dir).name
    seed = articles_dir / SEED_NAME
    content = seed.read_bytes()
    seed.unlink()
    with pytest.raises(IndexingError):
        open_index(articles_dir, index_dir)
    seed.write_bytes(content)
    forbid_embedding(monkeypatch)
    index, report = open_index(articles_dir, index_dir)
    assert not report.changed and index.manifest["generation"] == generation


# --- concurrency -----------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_writer_waits_for_the_lock(articles_dir: Path, index_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    (articles_dir / "bees.txt").write_text(BEES, encoding="utf-8")
    reports: list[IndexReport] = []
    writer = threading.Thread(target=lambda: reports.append(open_index(articles_dir, index_dir)[1]))
    with qa.index.disk.locked(index_dir):
        writer.start()
        writer.join(timeout=1.5)
        assert writer.is_alive(), "the update went ahead while another writer held the lock"
        assert f"Another process is updating the index in {index_dir}; waiting" in caplog.text
    writer.join(timeout=60)
    assert not writer.is_alive()
    assert reports and reports[0].added == 1


def test_a_reader_that_will_not_wait_uses_the_index_as_it_was(
    articles_dir: Path, index_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A question must not wait for another process's indexing: the previous index answers it meanwhile."""
    before, _ = open_index(articles_dir, index_dir)
    (articles_dir / "bees.txt").write_text(BEES, encoding="utf-8")
    with qa.index.disk.locked(index_dir):
        started = time.perf_counter()
        index, report = Index.open(articles_dir, index_dir, progress_bar=False, wait=False)
        waited = time.perf_counter() - started
    assert report.behind and not report.changed and waited < 5
    assert index.articles == before.articles and index.manifest["generation"] == before.manifest["generation"]
    assert f"Another process is updating the index in {index_dir}; answering from the index as it was" in caplog.text
    _, report = Index.open(articles_dir, index_dir, progress_bar=False, wait=False)  # the lock is free: it updates
    assert report.added == 1 and not report.behind


def test_two_concurrent_updates_leave_one_good_index(articles_dir: Path, index_dir: Path) -> None:
    (articles_dir / "bees.txt").write_text(BEES, encoding="utf-8")
    errors: list[BaseException] = []

    def update() -> None:
        try:
            open_index(articles_dir, index_dir)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=update) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    index, report = open_index(articles_dir, index_dir)
    assert not report.changed and report.articles == 2
    assert generations(index_dir) == [index.manifest["generation"]]
    assert_consistent(index)


# --- interrupted builds ----------------------------------------------------------------------------------------


CHILD = """
import sys, time
from pathlib import Path
import qa.index.bm25 as bm25
import qa.index.build as build
import qa.index.index as qi
import qa.ingest.read as read
from tests.conftest import ROOT

folder, directory, marker, phase = sys.argv[1:5]

def reached(name):
    Path(marker).write_text(name)
    if phase != "embedding":
        time.sleep(600)

if phase == "embedding":
    real = build.document_embedder
    def document_embedder(*args, **kwargs):
        reached("embedding")
        return real(*args, **kwargs)
    build.document_embedder = document_embedder
elif phase == "reading":
    real_read_file = read.read_file
    def read_file(path, source):
        if path.suffix == ".pdf":
            reached(phase)
        return real_read_file(path, source)
    read.read_file = read_file
elif phase == "half-written":
    bm25.BM25.save = lambda self, directory: reached(phase)
elif phase == "staged":
    qi.fsync_tree = lambda directory: reached(phase)
elif phase == "renamed":
    qi.write_atomically = lambda path, text: reached(phase)
qi.Index.open(folder, directory, progress_bar=False)
Path(marker).write_text("done")
"""

TOPICS = ["markets", "football", "elections", "weather", "science", "music", "railways", "farming", "health", "space"]


def many_articles(folder: Path, count: int) -> None:
    folder.mkdir(parents=True)
    for n in range(count):
        topic = TOPICS[n % len(TOPICS)]
        sentences = " ".join(
            f"Report {n} on {topic} says item {k} of {topic} changed by {n * k % 97} percent this week."
            for k in range(24)
        )
        (folder / f"{topic}-{n:03d}.txt").write_text(f"Story {n} about {topic}\n\n{sentences}\n", encoding="utf-8")


def kill_during(phase: str, folder: Path, directory: Path, tmp_path: Path, delay: float) -> None:
    """Run `Index.open(folder, directory)` in a child process and SIGKILL it once it reaches `phase`."""
    marker, log = tmp_path / f"{phase}.marker", tmp_path / f"{phase}.log"
    with open(log, "wb") as output:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(folder), str(directory), str(marker), phase],
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 120
            while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            assert marker.exists(), log.read_text(errors="replace")[-3000:]
            assert marker.read_text() == phase
            time.sleep(delay)
            assert child.poll() is None, "the build finished before it could be interrupted"
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert marker.read_text() == phase


@pytest.mark.slow
@pytest.mark.parametrize(
    ("phase", "leftover"),
    [("half-written", "staging"), ("staged", "staging"), ("renamed", "generation")],
)
def test_build_killed_while_saving_leaves_the_previous_index(
    articles_dir: Path, index_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, phase: str, leftover: str
) -> None:
    old = current_generation(index_dir).name
    manifest_before = (index_dir / MANIFEST).read_bytes()
    changed = tmp_path / "changed"
    shutil.copytree(articles_dir, changed)
    (changed / "bees.txt").write_text(BEES, encoding="utf-8")

    kill_during(phase, changed, index_dir, tmp_path, delay=0.2)

    assert (index_dir / MANIFEST).read_bytes() == manifest_before
    if leftover == "staging":
        assert len(staging_dirs(index_dir)) == 1 and generations(index_dir) == [old]
    else:
        assert staging_dirs(index_dir) == [] and len(generations(index_dir)) == 2
    with monkeypatch.context() as patched:
        forbid_embedding(patched)
        index, report = open_index(articles_dir, index_dir)
        assert not report.changed
        assert index.manifest["generation"] == old
        assert {meta["source"] for meta in index.articles.values()} == {SEED_NAME}
        assert_consistent(index)
    # Opening, even with nothing to update, sweeps away what the killed build left.
    assert staging_dirs(index_dir) == [] and generations(index_dir) == [old]

    # The next real update builds the new generation.
    index, report = open_index(changed, index_dir)
    assert (report.added, report.unchanged) == (1, 1)
    assert generations(index_dir) == [index.manifest["generation"]]
    assert staging_dirs(index_dir) == []
    assert_consistent(index)


@pytest.mark.slow
def test_build_killed_while_reading_files_leaves_the_previous_index(
    articles_dir: Path, index_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest_before = (index_dir / MANIFEST).read_bytes()
    changed = tmp_path / "changed"
    shutil.copytree(articles_dir, changed)
    (changed / "a.html").write_text(page(), encoding="utf-8")
    write_pdf(changed / "b.pdf", [f"Ferry terminal to open\n\n{LONG_SENTENCE}"])

    kill_during("reading", changed, index_dir, tmp_path, delay=0.2)

    assert (index_dir / MANIFEST).read_bytes() == manifest_before
    assert len(generations(index_dir)) == 1  # the killed build's staging directory goes at the next build
    with monkeypatch.context() as patched:
        forbid_embedding(patched)
        index, report = open_index(articles_dir, index_dir)
        assert not report.changed and report.articles == 1
    index, report = open_index(changed, index_dir)
    assert (report.added, report.unchanged) == (2, 1) and staging_dirs(index_dir) == []
    assert_consistent(index)


@pytest.mark.slow
def test_build_killed_while_embedding_leaves_the_previous_index(
    articles_dir: Path, index_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = current_generation(index_dir).name
    manifest_before = (index_dir / MANIFEST).read_bytes()
    big = tmp_path / "big"
    many_articles(big, 300)

    kill_during("embedding", big, index_dir, tmp_path, delay=1.5)

    assert (index_dir / MANIFEST).read_bytes() == manifest_before
    assert generations(index_dir) == [old]
    forbid_embedding(monkeypatch)
    loaded = Index._load(index_dir)
    assert loaded.manifest["generation"] == old
    assert_consistent(loaded)
    index, report = open_index(articles_dir, index_dir)
    assert not report.changed
    assert index.store.count() == loaded.store.count()
