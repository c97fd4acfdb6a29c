"""A Hugging Face extractive QA model as the reader, for users who have one (a local path or a cached hub id).

Haystack's `TransformersExtractiveReader` already has the reader interface (`run(query, documents)` returning
`ExtractedAnswer`s with a no-answer entry); this module only configures it, and checks up front that the model
can be loaded without a download, so that a missing model is one clear message rather than a network error.
"""

from __future__ import annotations

from pathlib import Path

from haystack_integrations.components.readers.transformers import TransformersExtractiveReader

from qa import config
from qa.errors import ReaderModelError


def transformers_reader(model: str, top_k: int = 5) -> TransformersExtractiveReader:
    """A reader over `model` that also scores "no answer", so the bot can decline.

    :raises ReaderModelError: if `model` is neither a model directory nor, with downloads off, in the local cache.
    """
    _check_available(model)
    return TransformersExtractiveReader(model=model, top_k=top_k, no_answer=True, max_seq_length=384, stride=128)


def _check_available(model: str) -> None:
    path = Path(model).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ReaderModelError(f"'{model}' is a directory but holds no model (no config.json).")
        return
    if path.is_absolute() or model.startswith((".", "~")):
        raise ReaderModelError(f"'{model}' does not exist: give the directory of a question-answering model.")
    if config.downloads_allowed():
        return  # downloads are allowed: let transformers fetch it
    from huggingface_hub import try_to_load_from_cache

    if not isinstance(try_to_load_from_cache(model, "config.json"), str):
        raise ReaderModelError(
            f"Cannot load the question-answering model '{model}': it is neither a local model directory nor in the "
            "Hugging Face cache. Downloads are off (HF_HUB_OFFLINE=1): give a path, or set HF_HUB_OFFLINE=0 where "
            "the hub can be reached."
        )
