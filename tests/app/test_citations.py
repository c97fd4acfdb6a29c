"""The chat's reply: the best answer first, the cited span marked exactly, sources a reader can check, text escaped."""

from __future__ import annotations

import re
from html import unescape

import pytest

from qa import Bot
from qa.app.citations import literal, reply
from qa.ask.result import Answer, Result
from tests.conftest import SEEDS


def _html(result: Result, *args: object, **kwargs: object) -> str:
    """The reply's two messages as one page of HTML."""
    shown = reply(result, *args, **kwargs)  # type: ignore[arg-type]
    return shown.text + shown.sources


def _marks(html: str) -> list[str]:
    return [unescape(mark) for mark in re.findall(r"<mark>(.*?)</mark>", html, flags=re.DOTALL)]


@pytest.mark.slow
def test_each_answer_is_cited_and_its_exact_characters_are_marked(seed_bot: Bot) -> None:
    result = seed_bot.ask("What did Sung Kim say?")
    shown = reply(result, seed_bot.passage, folder=SEEDS)
    sources = shown.sources.split('<div class="qa-source">')[1:]

    assert shown.sources_title == ("Source" if len(sources) == 1 else f"Sources ({len(sources)})")
    for number, (answer, source) in enumerate(zip(result.answers, sources, strict=False), start=1):
        assert f"<sup>[{number}]</sup>" in shown.text
        assert f"characters {answer.start}-{answer.end}" in source
        # marked in the excerpt, and again in the full paragraph where one is offered
        assert _marks(source) == [" ".join(answer.text.split())] * (2 if "Full paragraph" in source else 1)
    assert "seed-north-korea.txt" in shown.sources and str(SEEDS) not in shown.sources


def test_the_full_paragraph_is_the_articles_own_paragraph_around_the_answer(seed_bot: Bot) -> None:
    result = seed_bot.ask("When did North Korea launch the ballistic missile?")
    html = _html(result, seed_bot.passage)
    article = (SEEDS / "seed-north-korea.txt").read_text(encoding="utf-8")
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", article)]

    for paragraph in re.findall(r"<details><summary>Full paragraph</summary><blockquote>(.*?)</blockquote>", html):
        assert unescape(re.sub(r"</?mark>", "", paragraph)) in paragraphs


def _long_answer() -> Answer:
    before, words, after = "word " * 100, "the answer itself", " more" * 100
    context = before + words + after
    start = context.index(words)
    return Answer(words, 1.0, "T", "t.txt", start, start + len(words), context, 0, passage=1)


def test_the_full_paragraph_is_offered_only_when_it_holds_more_than_the_excerpt() -> None:
    short = Result("Q?", "Q?", [_answer("Seoul", 0.8)], False)
    long = Result("Q?", "Q?", [_long_answer()], False)

    assert "Full paragraph" not in _html(short)  # the excerpt is the whole passage
    assert "Full paragraph" in _html(long)


def test_a_declined_question_says_so_and_shows_the_closest_passages_collapsed(seed_bot: Bot) -> None:
    result = seed_bot.ask("Who won the 1998 World Cup final?")
    shown = reply(result, note="This looks like Spanish; try asking in English.")

    assert result.no_answer
    assert shown.text.startswith('<p class="qa-declined"><b>The articles do not answer this.</b></p>')
    assert '<p class="qa-note">This looks like Spanish; try asking in English.</p>' in shown.text
    assert shown.sources_title == "The closest passages"
    assert shown.sources.count("<li>") == min(3, len(result.passages)) > 0


def test_scores_are_shown_only_when_asked_for(seed_bot: Bot) -> None:
    result = seed_bot.ask("What did Sung Kim say?")

    assert "qa-score" not in _html(result)
    assert f"reader score {result.answers[0].score:.3f}" in _html(result, show_scores=True)


def test_article_text_is_escaped_so_markup_in_an_article_never_runs() -> None:
    context = 'He wrote "<script>alert(1)</script>" on the <b>page</b>.'
    start = context.index("<script>")
    answer = Answer(
        text="<script>alert(1)</script>",
        score=1.0,
        title="<img src=x onerror=alert(1)>",
        source="a&b.txt",
        start=start,
        end=start + 25,
        context=context,
        context_start=0,
        passage=1,
    )
    html = _html(Result("What did he write?", "What did he write?", [answer], no_answer=False))

    assert "<script>" not in html and "<img" not in html and "<b>page</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "a&amp;b.txt" in html
    assert _marks(html)[0] == "<script>alert(1)</script>"


@pytest.mark.parametrize(
    "text",
    ["$$x$$", "**bold**", "`code`", "<b>tag</b>", "[x](javascript:alert(1))", "![x](http://127.0.0.1:9/x)", "_a_ ~b~"],
)
def test_literal_text_holds_no_character_markdown_or_math_reads_and_shows_the_same(text: str) -> None:
    shown = literal(text)

    assert not set(shown) & set("<>\"'`*_~[]!$\\")
    assert unescape(shown) == text


def test_a_long_passage_is_cut_around_the_answer_and_the_cut_is_shown() -> None:
    answer = _long_answer()
    html = _html(Result("Q?", "Q?", [answer], no_answer=False))
    passage = re.search(r"<blockquote>(.*?)</blockquote>", html)

    assert passage is not None and passage.group(1).startswith("…") and passage.group(1).endswith("…")
    assert len(passage.group(1)) < 2 * 160 + len(answer.text) + 30
    assert _marks(html)[0] == answer.text


def _answer(text: str, score: float, start: int = 0) -> Answer:
    context = "Mr Sung Kim, the envoy, met Dr Lee in Seoul on Tuesday and the talks went well."
    start = context.find(text) if text in context else start
    return Answer(text, score, "Talks", "talks.txt", start, start + len(text), context, 0, 1, article_id="talks")


def test_the_best_answer_comes_first_with_its_confidence_in_words() -> None:
    result = Result(
        "Where did they meet?", "Where did they meet?", [_answer("Seoul", 0.82), _answer("Tuesday", 0.4)], False
    )
    shown = reply(result)

    assert shown.text.startswith('<p class="qa-best"><b>Seoul</b> <sup>[1]</sup> <span class="qa-confidence">very')
    assert "Other possible answers: <b>Tuesday</b> <sup>[2]</sup>" in shown.text
    assert shown.sources.count('class="qa-source"') == 2 and shown.sources_title == "Sources (2)"


@pytest.mark.parametrize(
    ("other", "score", "why"),
    [
        ("Mr", 0.5, "a fragment, not an answer"),
        ("Seoul", 0.5, "the same words as the best"),
        ("in Seoul", 0.5, "the best answer with words around it"),
        ("Tuesday", 0.05, "below the floor"),
        ("Tuesday", 0.15, "far below the best"),
    ],
)
def test_an_answer_that_is_no_real_alternative_is_not_offered(other: str, score: float, why: str) -> None:
    result = Result("Where?", "Where?", [_answer("Seoul", 0.8), _answer(other, score)], False)
    html = _html(result)

    assert "Other possible answers" not in html, why
    assert html.count('class="qa-source"') == 1
