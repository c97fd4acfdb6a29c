"""Follow-ups resolved against earlier turns: (history, question) → the rewrite, with spaCy's real pipeline.

The turns carry what `Turn.of` takes from a real answer (its text, sentence and passage); the sentences are written
here in the style of news articles, so that these cases test the resolver, not the reader.
"""

from __future__ import annotations

import pytest

from qa.ask.followup.resolve import Resolution, needs_resolving, resolve
from qa.ask.followup.turns import Turn, sentence_around
from qa.nlp import load_spacy

GOYAL = Turn(
    "Who founded Jet Airways?",
    "Naresh Goyal",
    sentence="Jet Airways was founded by Naresh Goyal, a former travel agent.",
    context="Jet Airways was founded by Naresh Goyal, a former travel agent. He still runs the airline.",
)
KISHIDA_ROLE = Turn(
    "How many missiles did Japan's prime minister say were fired?",
    "two",
    sentence="Japan's Prime Minister Fumio Kishida said two missiles were fired, and Sung Kim said talks would go on.",
)
PSP = Turn("What did Sony launch in Japan?", "the PSP", sentence="Sony launched the PSP in Japan on Sunday.")
U2 = Turn("Who won the Grammy for best album?", "U2", sentence="Irish band U2 won the Grammy for best album.")
CRASH = Turn("Where did the crash happen?", "Tokyo", sentence="The crash happened in Tokyo on Monday.")
CUP = Turn("When did Arsenal last win the cup?", "1998", sentence="Arsenal last won the cup in 1998.")
HE_ONLY = Turn(
    "What did Bernie Ebbers say?",
    "I did not know",
    sentence='"I did not know," Bernie Ebbers said.',
    context='"I did not know," Bernie Ebbers said. He told the court his lawyer had advised him.',
)


@pytest.mark.parametrize(
    ("history", "question", "expected"),
    [
        # he / she: the previous answer's person, not the last name mentioned
        ([GOYAL], "Where did he grow up?", "Where did Naresh Goyal grow up?"),
        ([Turn("Who is Sung Kim?")], "What did he tell reporters?", "What did Sung Kim tell reporters?"),
        ([Turn("Who is Sung Kim?"), Turn("Where is Seoul?")], "What did he say?", "What did Sung Kim say?"),
        ([KISHIDA_ROLE], "What did he call the launches?", "What did Fumio Kishida call the launches?"),  # a role
        # possessives and objects; a second pronoun of the same referent stays
        ([GOYAL], "What is his background?", "What is Naresh Goyal's background?"),
        ([GOYAL], "Who replaced him?", "Who replaced Naresh Goyal?"),
        ([GOYAL], "When did he start his airline?", "When did Naresh Goyal start his airline?"),
        # it: a thing, never the person the answer named
        ([GOYAL], "When did it start operations?", "When did Jet Airways start operations?"),
        ([PSP], "How much will it cost?", "How much will the PSP cost?"),
        ([PSP], "What is its price?", "What is the PSP's price?"),
        # they / their: a group
        ([U2], "When did they form?", "When did U2 form?"),
        ([U2], "Who is their singer?", "Who is U2's singer?"),
        # there: a place; then: a time
        ([CRASH], "How many people died there?", "How many people died in Tokyo?"),
        ([CUP], "Who was the manager then?", "Who was the manager in 1998?"),
        ([CUP], "Is there a replay?", "Is there a replay?"),  # "there is" refers to nothing
        # ellipsis: the previous question's frame
        ([Turn("How many missiles did Japan fire?", "two")], "And the US?", "How many missiles did the US fire?"),
        ([Turn("How many cars did Ford sell in 2004?")], "And in 2003?", "How many cars did Ford sell in 2003?"),
        ([Turn("What did Kishida call the launches?", "regrettable")], "Why?", "Why did Kishida call the launches?"),
        ([GOYAL], "When?", "When did Naresh Goyal found Jet Airways?"),
        ([GOYAL], "Who else?", "Who else founded Jet Airways?"),
        ([Turn("Did Sony cut prices?")], "When?", "When did Sony cut prices?"),
        # a pronoun bound inside the question, and a question that refers to nothing
        ([GOYAL], "Did Sung Kim say he would go?", "Did Sung Kim say he would go?"),
        ([GOYAL], "What did Sung Kim say?", "What did Sung Kim say?"),
        ([], "What did Agnes Whitcombe say about her village?", "What did Agnes Whitcombe say about her village?"),
    ],
)
def test_resolve(history: list[Turn], question: str, expected: str) -> None:
    resolution = resolve(question, history, load_spacy())
    assert (resolution.asked, resolution.clarification) == (expected, None)


@pytest.mark.parametrize(
    ("history", "question", "pronoun"),
    [
        ([], "What did she say?", "she"),  # nothing before it
        ([], "Why did he resign?", "he"),
        ([PSP], "What did he say about it?", "he"),  # nobody earlier: Sony is not a "he"
        ([HE_ONLY], "What did she say about the verdict?", "she"),  # the passages speak of men only
    ],
)
def test_a_pronoun_nothing_earlier_refers_to_is_asked_about(history: list[Turn], question: str, pronoun: str) -> None:
    assert resolve(question, history, load_spacy()) == Resolution(
        question, clarification=f"Who do you mean by '{pronoun}'?"
    )


def test_other_referents_are_offered_as_alternatives_most_salient_first() -> None:
    turn = Turn("How much money has the Treasury set aside for Crossrail?", "£7.5bn")
    resolution = resolve("How much will it cost?", [turn], load_spacy())

    assert resolution.readings[:2] == ("How much will Treasury cost?", "How much will Crossrail cost?")


def test_only_a_question_that_may_refer_back_needs_spacy() -> None:
    assert not needs_resolving("What did Sung Kim say?", [])
    assert needs_resolving("What did she say?", [])
    assert needs_resolving("What did Sung Kim say?", [GOYAL])


def test_the_sentence_around_an_answer() -> None:
    text = 'It rained. "We are ready," Sung Kim said on Monday. Talks resume.'
    start = text.index("We are ready")
    assert sentence_around(text, start, start + 12) == '"We are ready," Sung Kim said on Monday.'
