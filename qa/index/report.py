"""What opening an index did, said to the user."""

from __future__ import annotations

from dataclasses import dataclass, field

from qa.ingest.article import Skipped


@dataclass
class IndexReport:
    """What opening the index did, for the user."""

    articles: int = 0
    passages: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    rebuilt_because: str | None = None
    seconds: float = 0.0
    behind: bool = False  # the folder changed, but another process was updating the index: it is used as it was

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.rebuilt_because)

    def summary(self) -> str:
        """One line, e.g. "Indexed 2 articles, 14 passages: 1 added, 0 updated, 0 removed, 1 unchanged, 1 skipped"."""
        if not self.changed:
            return f"Index is up to date: {self.articles} articles, {self.passages} passages ({self.seconds:.2f} s)."
        reason = f" ({self.rebuilt_because})" if self.rebuilt_because else ""
        return (
            f"Indexed {self.articles} articles, {self.passages} passages{reason}: {self.added} added, "
            f"{self.updated} updated, {self.removed} removed, {self.unchanged} unchanged, {len(self.skipped)} skipped "
            f"in {self.seconds:.1f} s."
        )
