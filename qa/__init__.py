"""Question answering over news articles, with every answer cited to the span it came from.

The path of a question, stage by stage: `qa.ingest` (files → articles), `qa.index` (articles → passages, embeddings
and BM25 on disk), `qa.ask` (question → retrieval → `qa.readers` → cited `Result`); around it `qa.evaluation`,
`qa.training`, `qa.app` (the chat) and `qa.cli` (the `qa` command). `qa.config` holds every default and
environment variable, `qa.errors` every error a user can fix.

Example::

    from qa import Bot
    bot = Bot()
    print(bot.ask("What did Sung Kim say?").answers[0].text)
"""

from __future__ import annotations

import importlib

# The public API, by the module that defines each name. Importing `qa` imports none of them (nor torch, Haystack or
# spaCy), so that `qa --help` answers at once; the first use of one loads it.
_PUBLIC = {
    "Answer": "qa.ask.result",
    "Bot": "qa.ask.bot",
    "Evaluation": "qa.evaluation.run",
    "Passage": "qa.ask.result",
    "QuestionError": "qa.errors",
    "Result": "qa.ask.result",
    "Turn": "qa.ask.followup.turns",
    "evaluate": "qa.evaluation.run",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> object:
    """Load a public name on first use, after setting the offline defaults the model libraries read on import."""
    if name not in _PUBLIC:
        raise AttributeError(f"module 'qa' has no attribute '{name}'")
    from qa import config

    config.offline()
    return getattr(importlib.import_module(_PUBLIC[name]), name)
