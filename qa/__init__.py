"""Question answering over news articles, with every answer cited to the span it came from.

Example::

    from qa import Bot
    bot = Bot()
    print(bot.ask("What did Sung Kim say?").answers[0].text)
"""

from qa.bot import Answer, Bot, Passage, QuestionError, Result
from qa.followup import Turn

__all__ = ["Answer", "Bot", "Passage", "QuestionError", "Result", "Turn"]
