"""The dense stores by name (`QA_STORE`, `IndexSettings.store`), imported on first use so that the default needs no
server client."""

from __future__ import annotations

import importlib
from pathlib import Path

from qa.index.stores.base import DenseStore
from qa.index.stores.faiss_store import FaissStore

# Store kinds by name: where the class is, and the file that marks a generation directory as theirs.
STORES: dict[str, tuple[str, str]] = {
    "faiss": ("qa.index.stores.faiss_store:FaissStore", FaissStore.VECTORS),
    "milvus": ("qa.index.stores.milvus_store:MilvusStore", "milvus.json"),
}


def store_class(name: str) -> type[DenseStore]:
    """The store kind called `name`.

    :raises ValueError: for an unknown kind, naming the known ones.
    """
    if name not in STORES:
        known = ", ".join(f"'{kind}'" for kind in STORES)
        raise ValueError(f"Unknown document store '{name}'. Use one of {known}.")
    module, _, attribute = STORES[name][0].partition(":")
    found: type[DenseStore] = getattr(importlib.import_module(module), attribute)
    return found


def discard(directory: Path) -> None:
    """Release what a generation directory's store holds outside it and no other generation needs (a server-side
    collection), before the directory itself is deleted."""
    for name, (_, marker) in STORES.items():
        if (directory / marker).exists():
            store_class(name).discard(directory)
