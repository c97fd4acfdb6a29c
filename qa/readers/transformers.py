"""A Hugging Face extractive QA model as the reader, for users who have one (a local path or a cached hub id).

Haystack's `TransformersExtractiveReader` already has the reader interface (`run(query, documents)` returning
`ExtractedAnswer`s with a no-answer entry); this module only configures it and turns a model that cannot be
loaded into one clear message.
"""

from __future__ import annotations

from haystack import component
from haystack_integrations.components.readers.transformers import TransformersExtractiveReader


class ReaderModelError(RuntimeError):
    """The named QA model cannot be loaded."""


def transformers_reader(model: str, top_k: int = 5) -> TransformersExtractiveReader:
    """A reader over `model` that also scores "no answer", so the bot can decline."""
    return _CheckedReader(model=model, top_k=top_k, no_answer=True, max_seq_length=384, stride=128)


@component
class _CheckedReader(TransformersExtractiveReader):
    """`TransformersExtractiveReader` whose loading failure says what to do."""

    def warm_up(self) -> None:
        try:
            super().warm_up()
        except (OSError, ValueError) as error:
            raise ReaderModelError(
                f"Cannot load the question-answering model '{self.model_name_or_path}': it is neither a local "
                "model directory nor in the Hugging Face cache. Downloads are off (HF_HUB_OFFLINE=1); "
                "give a path, or set HF_HUB_OFFLINE=0 where the hub can be reached."
            ) from error
