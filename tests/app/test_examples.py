"""Example questions: made from articles' openings, of several kinds, kept only when answered confidently from their
own article, a handful at most, and cached beside the index so that a restart asks nothing."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qa.app.candidates import Candidate, candidates, fits, person_name
from qa.app.examples import CACHE, MIN_SCORE, Example, ExampleFinder, select
from qa.ask.bot import Bot
from tests.conftest import shared_file

# Business articles of the BBC corpus the end-to-end tests index: enough for a varied handful, quick to embed.
BBC_ARTICLES = 20


@pytest.mark.parametrize(
    ("entity", "name"),
    [
        ("Sung Kim", "Sung Kim"),
        ("Mr Tony Blair's", "Tony Blair"),
        ("Dr Priya Nandakumar", "Priya Nandakumar"),
        ("Anneke de Vries", "Anneke de Vries"),
        ("Mark Dornford-May", "Mark Dornford-May"),
        ("Spider-Man 2", None),
        ("Mr R. Sridharan", None),
        ("the Rt Rev Dr", None),
        ("Mr", None),
        ("BBC NEWS", None),
    ],
)
def test_a_person_is_named_by_their_name_alone(entity: str, name: str | None) -> None:
    assert person_name(entity) == name


@pytest.mark.parametrize(
    ("candidate", "answer", "expected"),
    [
        (Candidate("Who is Kevin Krewell?", "person", "Kevin Krewell", ("the editor in chief",)), "the editor", True),
        (
            Candidate("Who is Kevin Krewell?", "person", "Kevin Krewell", ("the editor in chief",)),
            "Kevin Krewell",
            False,
        ),
        (Candidate("Who is Ray Smith?", "person", "Ray Smith", ("singer",)), "There are hundreds of singers", False),
        (
            Candidate("What did Al Lee say?", "quote", "Al Lee", ("We are open to talks",), "quote"),
            "We are open to talks",
            True,
        ),
        (
            Candidate("What did Al Lee say?", "quote", "Al Lee", ("We are open to talks",), "quote"),
            "Mr Lee is not credible",
            False,
        ),
        (Candidate("What did Al Lee say?", "quote", "Al Lee", ("open to talks",), "quote"), "open to talks", False),
        (Candidate("Profits rose by how much?", "figure", "76%", ("76%",), "figure"), "76%", True),
        (Candidate("Profits rose by how much?", "figure", "76%", ("76%",), "figure"), "2%", False),
    ],
)
def test_an_answer_fits_only_the_kind_asked_for(candidate: Candidate, answer: str, expected: bool) -> None:
    assert fits(candidate, answer) is expected


def test_the_kinds_come_from_what_the_opening_says() -> None:
    from qa.nlp import load_spacy

    text = (
        'Shares in Acme Foods fell by 12% on Monday.\n\n"We expect a better year ahead of us," said chief executive '
        "Martha Quill.\n\nThe Food Standards Agency, a government watchdog, said it was looking into the matter."
    )
    found = {(candidate.kind, candidate.question) for candidate in candidates([load_spacy()(text)])}

    assert ("quote", "What did Martha Quill say?") in found
    assert ("person", "Who is Martha Quill?") in found
    assert ("organisation", "What is the Food Standards Agency?") in found
    assert ("figure", "By how much did shares in Acme Foods fall?") in found


def _example(question: str, kind: str, article: str) -> Example:
    return Example(question, kind, article, 0.9)


def test_the_handful_is_spread_over_articles_then_kinds() -> None:
    found = [
        _example("q1", "quote", "a"),
        _example("q2", "quote", "b"),
        _example("q3", "quote", "c"),
        _example("p1", "person", "d"),
        _example("p2", "person", "a"),
        _example("f1", "figure", "e"),
    ]

    assert [example.question for example in select(found, 3)] == ["q1", "p1", "f1"]
    assert [example.question for example in select(found, 10)] == ["q1", "p1", "f1", "q2", "q3"]
    assert [example.question for example in select(found, 10, per_article=2)][-1] == "p2"


def _counting(bot: Bot, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The questions asked of `bot` from now on."""
    asked: list[str] = []
    real = bot.ask

    def ask(question: str, *args: Any, **kwargs: Any) -> Any:
        asked.append(question)
        return real(question, *args, **kwargs)

    monkeypatch.setattr(bot, "ask", ask)
    return asked


def _answered_from_its_own_article(bot: Bot, question: str, article_ids: set[str]) -> bool:
    result = bot.ask(question)
    best = result.answers[0] if result.answers else None
    return best is not None and best.score >= MIN_SCORE and best.article_id in article_ids


@pytest.mark.slow
def test_the_seed_examples_are_answered_and_a_restart_asks_nothing(
    articles_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = Bot(articles_dir, tmp_path / "index", progress_bar=False)
    examples = ExampleFinder(bot).find(6)

    assert "What did Sung Kim say?" in examples and len(examples) <= 6
    assert all(_answered_from_its_own_article(bot, question, set(bot.index.articles)) for question in examples)
    asked = _counting(bot, monkeypatch)
    assert ExampleFinder(bot).find(6) == examples and asked == []  # a new finder: what a restart makes
    assert (tmp_path / "index" / CACHE).is_file()


@pytest.mark.slow
def test_a_changed_article_is_asked_about_again(
    articles_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = Bot(articles_dir, tmp_path / "index", progress_bar=False)
    ExampleFinder(bot).find(6)
    article = articles_dir / "seed-north-korea.txt"
    article.write_text(article.read_text(encoding="utf-8") + "\n\nThe talks resume next week.\n", encoding="utf-8")
    bot.refresh(progress_bar=False)

    asked = _counting(bot, monkeypatch)
    examples = ExampleFinder(bot).find(6)

    assert asked and "What did Sung Kim say?" in examples


@pytest.fixture(scope="module")
def bbc_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    """A real Bot over the first `BBC_ARTICLES` business articles of the BBC corpus."""
    source = shared_file("corpora/bbc-news/business")
    folder = tmp_path_factory.mktemp("bbc") / "articles"
    folder.mkdir()
    for path in sorted(source.glob("*.txt"))[:BBC_ARTICLES]:
        shutil.copy(path, folder / path.name)
    yield Bot(folder, tmp_path_factory.mktemp("bbc-index"), progress_bar=False)


@pytest.mark.slow
def test_bbc_examples_are_a_varied_handful_each_answered_from_its_own_article(
    bbc_bot: Bot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    finder = ExampleFinder(bbc_bot, tmp_path)
    examples = finder.find(6)
    cache = finder._load()["articles"]
    kinds = {
        found["question"]: (found["kind"], article) for article, entry in cache.items() for found in entry["found"]
    }

    assert 1 <= len(examples) <= 6 and finder.asked <= finder.max_asks
    assert len({kinds[question][1] for question in examples}) == len(examples)  # one per article
    assert len({kinds[question][0] for question in examples}) >= 2  # not all of one kind
    assert all(_answered_from_its_own_article(bbc_bot, question, {kinds[question][1]}) for question in examples)
    asked = _counting(bbc_bot, monkeypatch)
    assert ExampleFinder(bbc_bot, tmp_path).find(6) == examples and asked == []


@pytest.mark.slow
def test_an_uploaded_articles_examples_are_its_own(bbc_bot: Bot, tmp_path: Path) -> None:
    article_id = sorted(bbc_bot.index.articles)[0]
    examples = ExampleFinder(bbc_bot, tmp_path).for_articles([article_id, "not-an-article"], 3)

    assert len(examples) <= 3
    assert all(_answered_from_its_own_article(bbc_bot, question, {article_id}) for question in examples)
