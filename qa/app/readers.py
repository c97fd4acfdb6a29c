"""The readers a chat page offers: the built-in ones, and the models its operator configured at launch.

The browser only ever names a reader, never a path. Every name that arrives, from the page or from a client
calling the API directly, is looked up here first, so an unknown one is refused before anything touches the file
system or loads a model: the server keeps at most one bot per reader it was started with, and its error messages
say nothing about which of its directories exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from qa.config import DEFAULT_READER
from qa.errors import ReaderModelError
from qa.readers.choose import READER_NAMES

# How the page labels the readers `qa.readers.make_reader` knows by name, the default first.
BUILTIN_LABELS = MappingProxyType(
    {"learned": "Learned model (default)", "hybrid": "Learned model + rules' quotes", "rules": "Rules"}
)
# Both kinds of model directory (one saved by `qa train-reader`, a transformers QA model) hold this file.
MODEL_CONFIG = "config.json"
# An unknown name is echoed back up to this many characters: enough to recognise, too few to flood the page.
SHOWN_CHARS = 60


@dataclass(frozen=True)
class ReaderChoices:
    """The built-in readers, plus model directories by a short name (the directory's own name).

    Usage example::

        choices = ReaderChoices.configure([Path("trained-reader")])
        choices.labels()                 # [("Learned model (default)", "learned"), ..., ("trained-reader", ...)]
        choices.reader("trained-reader") # "/abs/path/trained-reader", what `Bot(reader=...)` takes
        choices.reader("/etc")           # raises ReaderModelError: unknown reader
    """

    models: Mapping[str, Path] = field(default_factory=dict)

    @classmethod
    def configure(cls, paths: Iterable[Path]) -> ReaderChoices:
        """The choices with the model directories at `paths`, checked now (existence only; loading is lazy).

        :raises ReaderModelError: if a path is not a model directory, or two would have the same name.
        """
        models: dict[str, Path] = {}
        for given in paths:
            path = given.expanduser().resolve()
            if not (path / MODEL_CONFIG).is_file():
                raise ReaderModelError(
                    f"Reader model '{given}' is not a question-answering model directory (no {MODEL_CONFIG} in it): "
                    "give a directory saved by `qa train-reader`, or a transformers model."
                )
            name = path.name
            if name in READER_NAMES or name in models:
                taken = "a built-in reader" if name in READER_NAMES else f"'{models[name]}'"
                raise ReaderModelError(
                    f"Reader model '{given}' would be called '{name}', the name of {taken}: rename its directory."
                )
            models[name] = path
        return cls(MappingProxyType(models))

    def labels(self) -> list[tuple[str, str]]:
        """The page's choices as (label, name): the built-in readers, then the configured models."""
        return [*((label, name) for name, label in BUILTIN_LABELS.items()), *((name, name) for name in self.models)]

    def reader(self, name: str | None) -> str | None:
        """What `Bot(reader=...)` takes for the reader called `name`; None for the default reader.

        :raises ReaderModelError: if `name` is none of the choices (nothing else is looked at).
        """
        if name is None or name == DEFAULT_READER:
            return None
        if name in READER_NAMES:
            return name
        if name in self.models:
            return str(self.models[name])
        valid = ", ".join(name for _, name in self.labels())
        raise ReaderModelError(f"Unknown reader {name!r:.{SHOWN_CHARS}}. Choose one of: {valid}.")
