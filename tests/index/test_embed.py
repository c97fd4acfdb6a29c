"""The encoders (`qa.index.embed`) and their precision (`qa.precision`): bfloat16 must change no ranking, float32
must stay one setting away, and the encoders must take questions from several threads at once."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest
from haystack import Document

from qa import precision
from qa.config import ENV
from qa.errors import SettingError
from qa.index.embed import Encoder, MeanPooled, load_encoder, passage_text
from qa.index.index import Index
from qa.index.settings import IndexSettings, text_embedder
from qa.ingest.read import read_files
from qa.precision import Weights
from tests.conftest import SEEDS, shared_file
from tests.squad_files import BBC

# Articles of bbc-dev's questions, with the seed article: a few hundred passages on many subjects.
ARTICLES = 24


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed article and the BBC articles of the first `ARTICLES` bbc-dev questions."""
    corpus = shared_file(BBC)
    folder = tmp_path_factory.mktemp("articles")
    shutil.copytree(SEEDS, folder, dirs_exist_ok=True)
    for line in shared_file("eval/bbc-dev.jsonl").read_text(encoding="utf-8").splitlines()[:ARTICLES]:
        source = json.loads(line)["file"]
        if source is None:  # an unanswerable question
            continue
        (folder / source).parent.mkdir(exist_ok=True)
        shutil.copy(corpus / source, folder / source)
    return folder


@pytest.fixture(scope="module")
def questions() -> list[str]:
    lines = shared_file("eval/bbc-dev.jsonl").read_text(encoding="utf-8").splitlines()[:ARTICLES]
    seed_lines = shared_file("eval/seed-dev.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines + seed_lines]


def passages(folder: Path) -> list[Document]:
    splitter = IndexSettings().splitter()
    paths = sorted(path for path in folder.rglob("*.txt"))
    return [document for found in read_files(folder, paths) for a in found.articles for document in splitter.split(a)]


def test_bf16_and_fp32_embeddings_of_real_passages_agree(folder: Path) -> None:
    texts = [passage_text(document) for document in passages(folder)]
    encoder = load_encoder(IndexSettings().model_path())
    fp32, bf16 = encoder.encode(texts, bf16=False), encoder.encode(texts, bf16=True)
    assert len(texts) > 100 and fp32.shape == bf16.shape == (len(texts), 384)
    assert np.allclose(np.linalg.norm(bf16, axis=1), 1, atol=1e-5)
    cosines = (fp32 * bf16).sum(axis=1)
    assert cosines.min() >= 0.999, f"lowest cosine {cosines.min():.5f}"
    assert not np.array_equal(fp32, bf16)  # the two paths really differ: bf16 was used


@pytest.mark.parametrize("bf16", [False, True], ids=["fp32", "bf16"])
def test_the_packaged_model_embeds_as_sentence_transformers_does_without_importing_it(folder: Path, bf16: bool) -> None:
    """`MeanPooled` runs the packaged model; indexes built by sentence-transformers itself must keep their meaning."""
    import torch
    from sentence_transformers import SentenceTransformer

    path = IndexSettings().model_path()
    texts = [passage_text(document) for document in passages(folder)] + ["  a question with spaces around  "]
    ours = load_encoder(path)
    assert isinstance(ours.weights.model(bf16), MeanPooled)
    dtype = torch.bfloat16 if bf16 else torch.float32
    model = SentenceTransformer(path, device="cpu", local_files_only=True, model_kwargs={"dtype": dtype})
    theirs = Encoder(Weights(lambda _: model), threading.Lock()).encode(texts, bf16=bf16)

    assert np.abs(ours.encode(texts, bf16=bf16) - theirs).max() < 1e-6


def test_a_model_of_other_modules_is_left_to_sentence_transformers(tmp_path: Path) -> None:
    model = Path(IndexSettings().model_path())
    assert MeanPooled.fits(model)
    shutil.copytree(model, tmp_path / "cls", ignore=shutil.ignore_patterns("*.safetensors"))
    pooling = tmp_path / "cls" / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text(encoding="utf-8"))
    pooling.write_text(json.dumps(config | {"pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True}))
    assert not MeanPooled.fits(tmp_path / "cls")
    assert not MeanPooled.fits(tmp_path / "missing")


def test_a_bf16_index_ranks_passages_as_an_fp32_index_does(
    folder: Path, questions: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rankings = {}
    for name in ("fp32", "bf16"):
        monkeypatch.setenv(ENV.PRECISION, name)
        index, _ = Index.open(folder, tmp_path / name, progress_bar=False)
        embedder = text_embedder(IndexSettings())
        rankings[name] = [
            [document.id for document in index.store.search(embedder.run(text=question)["embedding"], 5)]
            for question in questions
        ]
    same = sum(set(fp32) == set(bf16) for fp32, bf16 in zip(rankings["fp32"], rankings["bf16"], strict=True))
    assert same >= 0.99 * len(questions), f"{same} of {len(questions)} questions have the same top 5"
    # Two passages of one article can score within bfloat16's rounding of each other and swap places.
    first = sum(fp32[0] == bf16[0] for fp32, bf16 in zip(rankings["fp32"], rankings["bf16"], strict=True))
    assert first >= 0.9 * len(questions), f"{first} of {len(questions)} questions have the same best passage"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("fp32", False), ("FP32", False), ("bf16", True), ("", None), ("auto", None)],
)
def test_precision_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch, value: str, expected: bool) -> None:
    monkeypatch.setenv(ENV.PRECISION, value)
    assert precision.bf16() is (precision.has_bf16_units() if expected is None else expected)


def test_an_unknown_precision_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV.PRECISION, "fast")
    with pytest.raises(SettingError, match="QA_PRECISION must be one of auto, bf16, fp32, not 'fast'"):
        precision.bf16()


def test_questions_embedded_from_many_threads_while_passages_are_embedded(folder: Path) -> None:
    """The chat embeds questions from several workers while an upload embeds passages: no "Already borrowed"
    error from the shared tokenizer, and every thread gets the embedding a lone caller gets."""
    texts = [passage_text(document) for document in passages(folder)]
    questions = [f"What did the minister say about question {n}?" for n in range(50)]
    embedder = text_embedder(IndexSettings())
    alone = {question: np.array(embedder.run(text=question)["embedding"]) for question in questions}
    errors: list[BaseException] = []
    lowest: list[float] = []

    def ask() -> None:
        try:
            for question in questions:
                lowest.append(float(alone[question] @ np.array(embedder.run(text=question)["embedding"])))
        except BaseException as error:
            errors.append(error)

    def index() -> None:
        try:
            load_encoder(IndexSettings().model_path()).encode(texts, bf16=precision.bf16())
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=ask) for _ in range(8)] + [threading.Thread(target=index)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(lowest) == 8 * len(questions) and min(lowest) > 0.9999
