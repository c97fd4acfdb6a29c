"""Training the learned reader: the real base model on real slices of SQuAD 1.1 and 2.0, a few steps at a time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.config import SHIPPED_READER
from qa.evaluation.squad import HELD_OUT_TITLES, held_out, load_examples, trainable
from qa.readers.learned.reader import LearnedReader
from qa.training.news import TRAINING_FOLDERS, is_validation
from qa.training.train import VALIDATION_TITLES, TrainingConfig, train_reader, training_data
from tests.conftest import shared_file
from tests.squad_files import BBC, SQUAD2_DEV, SQUAD_DEV, squad_subset

pytestmark = pytest.mark.slow  # real training steps of the real model

# One training article and one held-out article of SQuAD 1.1; one training and one validation article of SQuAD 2.0.
SLICE = {"Super_Bowl_50": 2, "Normans": 1}
SLICE2 = {"Amazon_rainforest": 3, "Force": 1}


def _config(tmp_path: Path, data: Path, unanswerable: Path, **changes: object) -> TrainingConfig:
    settings: dict[str, object] = {
        "data": str(data),
        "unanswerable": str(unanswerable),
        "output": str(tmp_path / "model"),
        "work_dir": str(tmp_path / "work"),
        "epochs": 4,
        "batch_size": 8,
        "learning_rate": 3e-4,
        "max_length": 128,
        "stride": 32,
        "limit": 12,
    }
    settings.update(changes)
    return TrainingConfig(**settings)  # type: ignore[arg-type]


def test_held_out_articles_are_never_trained_on() -> None:
    examples = load_examples(shared_file(SQUAD_DEV))
    train, test = trainable(examples), held_out(examples)

    assert {e.title for e in test} == HELD_OUT_TITLES and len(test) == 1339
    assert not {e.title for e in train} & HELD_OUT_TITLES
    assert len(train) + len(test) == len(examples) == 10570
    # The shipped model says what it was trained on: none of it held out or kept for validation.
    settings = json.loads((SHIPPED_READER / "reader.json").read_text(encoding="utf-8"))
    trained = set(settings["training"]["squad_articles"])
    assert len(trained) == 35 and not trained & (HELD_OUT_TITLES | VALIDATION_TITLES)
    kinds = settings["training"]["kinds"]
    assert kinds["squad"] == sum(1 for e in train if e.title not in VALIDATION_TITLES)
    assert kinds["unanswerable"] > 3000 and kinds["quote"] > 500


def test_the_training_data_leaves_out_held_out_validation_and_unseen_articles(tmp_path: Path) -> None:
    config = TrainingConfig(
        data=str(shared_file(SQUAD_DEV)),
        unanswerable=str(shared_file(SQUAD2_DEV)),
        news=str(shared_file(BBC)),
        output=str(tmp_path),
        limit=40,
    )
    data = training_data(config)
    trained = {e.title for e in data.train}
    news = {title for title in trained if "/" in title}

    assert not trained & (HELD_OUT_TITLES | VALIDATION_TITLES)
    assert {e.title for e in data.test} == HELD_OUT_TITLES
    assert {e.title for e in data.validation if "/" not in e.title} <= VALIDATION_TITLES
    assert news and all(title.split("/")[0] in TRAINING_FOLDERS and not is_validation(title) for title in news)
    assert all(is_validation(e.title) for e in data.validation if "/" in e.title)
    # Not a passage of the three unseen folders reaches training, even as an "other article" negative.
    unseen = "\n".join(
        path.read_text(encoding="utf-8", errors="replace")
        for folder in ("entertainment", "politics", "tech")
        for path in (shared_file(BBC) / folder).glob("*.txt")
    )
    assert not any(e.context[:200] in unseen for e in data.train if "/" in e.title)
    assert {"squad", "unanswerable", "quote", "entity", "other article"} <= {e.kind for e in data.train}


def test_training_lowers_the_loss_and_resumes_where_it_stopped(tmp_path: Path) -> None:
    data = squad_subset(tmp_path / "slice.json", SLICE)
    unanswerable = squad_subset(tmp_path / "slice2.json", SLICE2, SQUAD2_DEV)
    straight = train_reader(_config(tmp_path / "a", data, unanswerable), progress_bar=False)
    losses = straight.step_losses

    assert len(losses) == straight.epochs[-1].step >= 8  # 24 questions' windows, batches of 8, 4 epochs
    assert sum(losses[-2:]) < sum(losses[:2]) - 1.0, losses
    assert [epoch.epoch for epoch in straight.epochs] == [1, 2, 3, 4]
    settings = json.loads((straight.output / "reader.json").read_text(encoding="utf-8"))
    # Not Normans (held out), not Force (validation); Amazon_rainforest for its unanswerable questions only.
    assert settings["training"]["squad_articles"] == ["Amazon_rainforest", "Super_Bowl_50"]
    assert settings["training"]["kinds"] == {"squad": 12, "unanswerable": 12}
    assert settings["calibration"]["questions"] == 10  # Force's first paragraph: 5 answerable, 5 not
    assert 0 < settings["calibration"]["threshold"] < 1
    assert (straight.output / "model.safetensors").stat().st_size < 50e6
    card = (straight.output / "README.md").read_text(encoding="utf-8")
    assert "CC BY-SA 4.0" in card and "| unanswerable | 12 |" in card

    # Stopped after 3 steps, then run again: the same seed gives the same steps, and the checkpoint the rest.
    stopped = train_reader(_config(tmp_path / "b", data, unanswerable, max_steps=3), progress_bar=False)
    assert stopped.step_losses == losses[:3]
    resumed = train_reader(_config(tmp_path / "b", data, unanswerable), progress_bar=False)
    assert resumed.step_losses == pytest.approx(losses, abs=1e-3)

    reader = LearnedReader(straight.output)  # the saved model loads and reads, offline
    reader.warm_up()
    assert reader.run(query="Who won Super Bowl 50?", documents=[])["answers"][0].data is None


def test_training_needs_something_that_teaches_declining(tmp_path: Path) -> None:
    data = squad_subset(tmp_path / "slice.json", SLICE)
    with pytest.raises(ValueError, match="unanswerable questions to learn to decline"):
        train_reader(TrainingConfig(data=str(data), output=str(tmp_path / "model")), progress_bar=False)


def test_a_file_with_only_held_out_articles_cannot_be_trained_on(tmp_path: Path) -> None:
    data = squad_subset(tmp_path / "held-out.json", {"Normans": 1, "Steam_engine": 1})
    unanswerable = squad_subset(tmp_path / "slice2.json", {"Force": 1}, SQUAD2_DEV)
    with pytest.raises(ValueError, match="no question to train on"):
        train_reader(_config(tmp_path, data, unanswerable, limit=None), progress_bar=False)
