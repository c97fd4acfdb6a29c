"""End to end through `Bot`: the real embedding model, a real FAISS index on disk, the default (learned) reader."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from qa import Bot, QuestionError, Result, Turn
from qa.ingest.files import decode
from tests.conftest import DATA, SEEDS, quotes_sung_kim, shared_file

SEED_FILE = SEEDS / "seed-north-korea.txt"
HELDOUT = DATA / "heldout"
# Question sets written apart from the reader (folder, share of answerable questions answered, declines), with
# floors just under the default (learned) reader's scores (see the README), so that a change that loses answers
# fails. Measured: 13/34 and 6/6 declined; 14/36, 3/4; 17/36, 1/4; 15/36, 4/4.
HELDOUT_SETS = [
    (HELDOUT, 0.35, 6),
    (DATA / "heldout2", 0.36, 3),
    (DATA / "heldout3", 0.44, 1),
    (DATA / "heldout4", 0.39, 4),
]


def _normalise(text: str) -> str:
    table = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
    return " ".join(text.translate(table).lower().split())


def _top_contains(result: Result, accepted: list[str]) -> bool:
    return bool(result.answers) and any(_normalise(a) in _normalise(result.answers[0].text) for a in accepted)


def _score(bot: Bot, path: Path) -> tuple[float, int, int]:
    """Share of answerable questions whose top answer contains an accepted answer; declines right and expected."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    answerable = [row for row in rows if row["answers"]]
    hits = sum(_top_contains(bot.ask(row["question"]), row["answers"]) for row in answerable)
    unanswerable = [row for row in rows if not row["answers"]]
    declined = sum(bot.ask(row["question"]).no_answer for row in unanswerable)
    return hits / len(answerable), declined, len(unanswerable)


def _original_text(source: str) -> str:
    """The text citation offsets point into: the file, or the record's `text` for a JSON record."""
    path = Path(source.split("#", 1)[0])
    if path.suffix == ".json":
        return str(json.loads(decode(path))["text"])
    return decode(path)


@pytest.fixture(scope="module")
def heldout_bot(tmp_path_factory: pytest.TempPathFactory) -> Bot:
    return Bot(articles=HELDOUT / "articles", index_dir=tmp_path_factory.mktemp("heldout"), progress_bar=False)


def test_quotes_sung_kim_with_offsets_into_the_seed_file(seed_bot: Bot) -> None:
    result = seed_bot.ask("What did Sung Kim say?")

    top = result.answers[0]
    assert quotes_sung_kim(top.text)
    assert Path(top.source) == SEED_FILE.resolve()
    assert decode(SEED_FILE)[top.start : top.end] == top.text
    assert top.title == "North Korea fires ballistic missile off coast of Japan"
    assert not result.no_answer


@pytest.mark.slow
def test_developer_questions_are_answered_and_unanswerable_ones_declined(seed_bot: Bot) -> None:
    share, declined, unanswerable = _score(seed_bot, shared_file("eval/seed-dev.jsonl"))

    assert share >= 0.9
    assert declined == unanswerable


@pytest.mark.slow
@pytest.mark.parametrize(("folder", "floor", "declines"), HELDOUT_SETS, ids=[f.name for f, _, _ in HELDOUT_SETS])
def test_questions_written_apart_from_the_reader(tmp_path: Path, folder: Path, floor: float, declines: int) -> None:
    """Articles and questions written by others than the reader's author, in four formats with messy text."""
    bot = Bot(articles=folder / "articles", index_dir=tmp_path, progress_bar=False)
    share, declined, _ = _score(bot, folder / "questions.jsonl")

    assert share >= floor
    assert declined >= declines


@pytest.mark.slow
def test_every_answer_is_exactly_the_cited_characters(seed_bot: Bot, heldout_bot: Bot) -> None:
    questions = [json.loads(line)["question"] for line in (HELDOUT / "questions.jsonl").read_text().splitlines()]
    checked = 0
    for bot, question in [(heldout_bot, q) for q in questions] + [(seed_bot, "Who is Sung Kim?")]:
        for answer in bot.ask(question).answers:
            original = _original_text(answer.source)
            assert original[answer.start : answer.end] == answer.text
            assert original[answer.context_start : answer.context_start + len(answer.context)] == answer.context
            checked += 1
    assert checked > 20


@pytest.mark.parametrize(
    ("question", "accepted"),
    [
        ("When did North Korea launch the ballistic missile?", "Tuesday"),
        ("Who has vowed to strengthen his nuclear deterrent?", "Kim Jong Un"),
        ("What has North Korea accused Seoul of?", "hypocrisy"),
    ],
)
def test_short_answers_not_paragraphs(seed_bot: Bot, question: str, accepted: str) -> None:
    top = seed_bot.ask(question).answers[0]

    assert accepted in top.text
    assert len(top.text) < 4 * len(accepted)


@pytest.mark.parametrize("question", ["Who won the 2018 World Cup?", "What is the population of Tokyo?"])
def test_unanswerable_is_declined_with_closest_passages(seed_bot: Bot, question: str) -> None:
    result = seed_bot.ask(question)

    assert result.no_answer
    assert result.answers == []
    assert result.passages and all(p.text for p in result.passages)
    assert result.to_json() == {
        "question": question,
        "asked": question,
        "answers": [],
        "no_answer": True,
        "clarification": None,
    }


def test_follow_up_resolves_he_from_the_previous_turn(seed_bot: Bot) -> None:
    result = seed_bot.ask("What did he say?", history=["Who is Sung Kim?"])

    assert result.asked == "What did Sung Kim say?"
    assert quotes_sung_kim(result.answers[0].text)


def test_he_is_the_person_the_previous_answer_named_not_the_last_name_mentioned(seed_bot: Bot) -> None:
    history = ["What did Sung Kim say?", "Who called the launches very regrettable?"]
    previous = seed_bot.ask(history[1], history[:1])
    result = seed_bot.ask("How many ballistic missiles did he say there were?", history)

    assert previous.answers and "Kishida" in previous.answers[0].text  # answered by the bot itself, as in the chat
    assert "Kishida" in result.asked and "Sung Kim" not in result.asked
    assert result.answers and "two" in result.answers[0].text


def test_a_pronoun_with_nothing_to_refer_to_gets_a_question_back(seed_bot: Bot) -> None:
    result = seed_bot.ask("What did she say?")

    assert result.clarification == "Who do you mean by 'she'?"
    assert result.no_answer and not result.answers and not result.passages
    assert result.to_json()["clarification"] == result.clarification


def test_a_follow_up_prefers_the_article_that_answered_the_previous_turn(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "handheld.txt").write_text(
        "Sony launches its PSP handheld in Europe\n\nSony has launched the PSP games handheld in Europe, after its "
        "launch in Japan last year.\n\nThe machine will sell for 179 euros in the shops from September, the firm said.",
        encoding="utf-8",
    )
    (articles / "rail.txt").write_text(
        "Rail link price rises again\n\nThe new rail link will cost more than planned. How much will it cost in the "
        "end? The cost is now put at 15bn pounds, and the cost may rise again, officials said of the cost.",
        encoding="utf-8",
    )
    bot = Bot(articles, tmp_path / "index", progress_bar=False)
    alone = bot.ask("How much will it sell for?")
    previous = bot.ask("What has Sony launched in Europe?")
    followed = bot.ask("How much will it sell for?", [Turn.of(previous)])

    assert alone.passages[0].source.endswith("rail.txt")  # the question alone finds the other article first
    assert previous.answers and previous.answers[0].source.endswith("handheld.txt")
    assert followed.passages[0].source.endswith("handheld.txt")
    assert followed.answers and "179 euros" in followed.answers[0].text


@pytest.mark.parametrize(
    ("question", "message"),
    [("", "empty"), ("   \n ", "empty"), ("why " * 400, "limit is 1,000"), ("Who is \udcff?", "not UTF-8")],
)
def test_bad_questions_get_a_clear_error(seed_bot: Bot, question: str, message: str) -> None:
    with pytest.raises(QuestionError, match=message):
        seed_bot.ask(question)


@pytest.mark.parametrize("top_k", [0, -3, 101, 10**9, "5", 2.5, True, None])
def test_a_bad_top_k_gets_a_clear_error(seed_bot: Bot, top_k: object) -> None:
    if top_k is None:  # the Bot's own: answered
        assert seed_bot.ask("What did Sung Kim say?", top_k=top_k).answers
        return
    with pytest.raises(QuestionError, match="top_k must be a whole number from 1 to 100"):
        seed_bot.ask("Who is Sung Kim?", top_k=top_k)  # type: ignore[arg-type]


def test_json_shape(seed_bot: Bot) -> None:
    payload = seed_bot.ask("What did Sung Kim say?").to_json()

    assert set(payload) == {"question", "asked", "answers", "no_answer", "clarification"}
    assert set(payload["answers"][0]) == {"text", "score", "title", "source", "start", "end", "context"}
    scores = [answer["score"] for answer in payload["answers"]]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.slow
def test_concurrent_questions_get_their_own_answers(seed_bot: Bot) -> None:
    cases = {
        "When did North Korea launch the ballistic missile?": "Tuesday",
        "Who has vowed to strengthen his nuclear deterrent?": "Kim Jong Un",
        "What did Fumio Kishida call the launches?": "very regrettable",
        "Where did the intelligence chiefs reportedly meet?": "Seoul",
    }
    questions = list(cases) * 3
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(seed_bot.ask, questions))

    for question, result in zip(questions, results, strict=True):
        assert result.question == question
        assert cases[question] in result.answers[0].text
