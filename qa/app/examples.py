"""Example questions that the indexed articles answer, to show a newcomer what to ask.

Candidates are made from the people an article names most ("What did X say?", "Who is X?") and are asked of the
bot before they are offered, so clicking an example never ends in "the articles do not answer this".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from qa.ask.bot import Bot
from qa.errors import QuestionError
from qa.nlp import SPACY_LOCK, load_spacy

# Passages read per article to find its people: the opening of a news article names who matters.
OPENING_PASSAGES = 3
TEMPLATES = ("What did {} say?", "Who is {}?")


def example_questions(
    bot: Bot, article_ids: Iterable[str], per_article: int = 2, limit: int | None = None
) -> list[str]:
    """Up to `per_article` answerable questions for each of `article_ids`, in that order, `limit` in all."""
    questions: list[str] = []
    for article_id in article_ids:
        if len(questions) == limit:
            break
        found = 0
        for question in _candidates(bot, article_id):
            if found == per_article:
                break
            try:
                answered = not bot.ask(question).no_answer
            except QuestionError:
                answered = False
            if answered and question not in questions:
                questions.append(question)
                found += 1
    return questions


def _candidates(bot: Bot, article_id: str) -> list[str]:
    """Questions about the people the article's opening names, the most mentioned first."""
    count = bot.index.articles.get(article_id, {}).get("passages", 0)
    text = "\n".join(
        bot.index.document(f"{article_id}-{number}").content or ""
        for number in range(1, min(count, OPENING_PASSAGES) + 1)
    )
    with SPACY_LOCK:
        people = Counter(ent.text for ent in load_spacy()(text).ents if ent.label_ == "PERSON" and " " in ent.text)
    return [template.format(name) for name, _ in people.most_common(3) for template in TEMPLATES]
