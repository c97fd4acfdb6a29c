"""The transformers-reader path, with a tiny QA model built and saved by the test (no hub: none is reachable)."""

from __future__ import annotations

from pathlib import Path

import pytest
from haystack_integrations.components.readers.transformers import TransformersExtractiveReader

from qa import Bot
from qa.errors import ReaderModelError
from qa.ingest.files import decode
from qa.readers.transformers import transformers_reader
from tests.conftest import SEEDS


@pytest.mark.slow
def test_bot_reads_with_a_transformers_model(tiny_qa_model: Path, tmp_path: Path) -> None:
    bot = Bot(SEEDS, tmp_path / "index", reader=str(tiny_qa_model), progress_bar=False)
    question = "When did North Korea launch the ballistic missile?"
    reader = bot.pipeline.get_component("reader")
    assert isinstance(reader, TransformersExtractiveReader)
    output = bot.pipeline.run(
        {"embedder": {"text": question}, "bm25": {"query": question}, "reader": {"query": question}},
        include_outputs_from={"joiner"},
    )
    spans = [answer for answer in output["reader"]["answers"] if answer.data is not None]
    assert spans, "the QA model proposed no span at all"
    for span in spans:
        assert span.document is not None and span.document_offset is not None
        assert (span.document.content or "")[span.document_offset.start : span.document_offset.end] == span.data
    result = bot.ask(question)

    original = decode(SEEDS / "seed-north-korea.txt")
    for answer in result.answers:  # random weights: which spans is arbitrary, but each is a real, cited span
        assert original[answer.start : answer.end] == answer.text
        assert answer.text in answer.context
    assert result.no_answer == (result.answers == [])


def test_unavailable_model_gives_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ReaderModelError, match="neither a local model directory nor in the Hugging Face cache"):
        Bot(SEEDS, tmp_path / "index", reader="deepset/roberta-base-squad2", progress_bar=False)


@pytest.mark.parametrize("path", ["/no/such/model", "./missing-model", "~/missing-model"])
def test_a_path_that_does_not_exist_is_named_in_the_error(path: str) -> None:
    with pytest.raises(ReaderModelError, match="does not exist"):
        transformers_reader(path)
