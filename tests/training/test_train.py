"""Training the learned reader: the real base model on a real slice of SQuAD, a few steps at a time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.config import SHIPPED_READER
from qa.evaluation.squad import HELD_OUT_TITLES, held_out, load_examples, trainable
from qa.readers.learned.reader import LearnedReader
from qa.training.train import CALIBRATION_TITLES, TrainingConfig, train_reader
from tests.conftest import shared_file
from tests.squad_files import SQUAD_DEV, squad_subset

pytestmark = pytest.mark.slow  # real training steps of the real model

# One training article, one held-out article, one calibration article.
SLICE = {"Super_Bowl_50": 2, "Normans": 1, "Kenya": 1}


def _config(tmp_path: Path, data: Path, **changes: object) -> TrainingConfig:
    settings: dict[str, object] = {
        "data": str(data),
        "output": str(tmp_path / "model"),
        "work_dir": str(tmp_path / "work"),
        "epochs": 4,
        "batch_size": 8,
        "learning_rate": 3e-4,
        "max_length": 128,
        "stride": 32,
        "limit": 16,
    }
    settings.update(changes)
    return TrainingConfig(**settings)  # type: ignore[arg-type]


def test_held_out_articles_are_never_trained_on() -> None:
    examples = load_examples(shared_file(SQUAD_DEV))
    train, test = trainable(examples), held_out(examples)

    assert {e.title for e in test} == HELD_OUT_TITLES and len(test) == 1339
    assert not {e.title for e in train} & HELD_OUT_TITLES
    assert len(train) + len(test) == len(examples) == 10570
    # The shipped model says what it was trained on: none of it held out or kept for calibration.
    settings = json.loads((SHIPPED_READER / "reader.json").read_text(encoding="utf-8"))
    trained = set(settings["training"]["articles"])
    assert len(trained) == 37 and not trained & (HELD_OUT_TITLES | CALIBRATION_TITLES)
    assert settings["training"]["questions"] == sum(1 for e in train if e.title not in CALIBRATION_TITLES)


def test_training_lowers_the_loss_and_resumes_where_it_stopped(tmp_path: Path) -> None:
    data = squad_subset(tmp_path / "slice.json", SLICE)
    straight = train_reader(_config(tmp_path / "a", data), progress_bar=False)
    losses = straight.step_losses

    assert len(losses) == straight.epochs[-1].step >= 8  # 16 questions' windows, batches of 8, 4 epochs
    assert sum(losses[-2:]) < sum(losses[:2]) - 1.0, losses
    assert [epoch.epoch for epoch in straight.epochs] == [1, 2, 3, 4]
    settings = json.loads((straight.output / "reader.json").read_text(encoding="utf-8"))
    assert settings["training"]["articles"] == ["Super_Bowl_50"]  # not Normans (held out), not Kenya (calibration)
    assert (straight.output / "model.safetensors").stat().st_size < 50e6
    assert "CC BY-SA 4.0" in (straight.output / "README.md").read_text(encoding="utf-8")

    # Stopped after 3 steps, then run again: the same seed gives the same steps, and the checkpoint the rest.
    stopped = train_reader(_config(tmp_path / "b", data, max_steps=3), progress_bar=False)
    assert stopped.step_losses == losses[:3]
    resumed = train_reader(_config(tmp_path / "b", data), progress_bar=False)
    assert resumed.step_losses == pytest.approx(losses, abs=1e-3)

    reader = LearnedReader(straight.output)  # the saved model loads and reads, offline
    reader.warm_up()
    assert reader.run(query="Who won Super Bowl 50?", documents=[])["answers"][0].data is None


def test_a_file_with_only_held_out_articles_cannot_be_trained_on(tmp_path: Path) -> None:
    data = squad_subset(tmp_path / "held-out.json", {"Normans": 1, "Steam_engine": 1})
    with pytest.raises(ValueError, match="no question to train on"):
        train_reader(_config(tmp_path, data), progress_bar=False)
