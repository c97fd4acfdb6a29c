"""Question answering over news articles, with every answer cited to the span it came from.

Example::

    from qa import Bot
    bot = Bot()
    print(bot.ask("What did Sung Kim say?").answers[0].text)
"""

import os

# Offline by default: models load from installed packages or local paths, never from a hub, and nothing phones
# home. Set HF_HUB_OFFLINE=0 before importing qa to let a transformers reader model download.
for _name, _value in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HAYSTACK_TELEMETRY_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",  # the per-load "Loading weights" bar; indexing keeps its own bar
}.items():
    os.environ.setdefault(_name, _value)

__all__ = ["Answer", "Bot", "Evaluation", "Passage", "QuestionError", "Result", "Turn", "evaluate"]


def __getattr__(name: str) -> object:
    """Import the heavy parts (torch, Haystack, spaCy) on first use, so `qa --help` answers at once."""
    if name == "Turn":
        from qa.followup import Turn

        return Turn
    if name in ("Evaluation", "evaluate"):
        from qa import evaluation

        return getattr(evaluation, name)
    if name in __all__:
        from qa import bot

        return getattr(bot, name)
    raise AttributeError(f"module 'qa' has no attribute '{name}'")
