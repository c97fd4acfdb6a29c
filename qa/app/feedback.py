"""Users' 👍/👎 on answers, kept as a question-answer file that `qa eval` replays: feedback becomes regression tests.

Each `FeedbackLog.record` appends one line to `<index_dir>/feedback.jsonl` in the JSONL format `qa eval` reads
(`qa.evaluation.files`), so `qa eval index/feedback.jsonl --index-dir index` asks every question again, after the
same earlier questions, from the folder the index was built from, and scores it:

| feedback | `answers` | `wrong` | `kind` | what `qa eval` checks |
| --- | --- | --- | --- | --- |
| 👍 on an answer | [the answer] | [] | liked | it still gives this answer |
| 👍 on a decline | [] | [] | liked | it still declines |
| 👎, the right answer typed | [the typed answer] | [what it said] | corrected | it gives the typed answer |
| 👎, nothing typed | [] | [what it said; `""` for a decline] | disliked | it does not say that again |

A 👎 with nothing typed says "not this" and nothing about what is right. Writing `answers: []` would claim that the
articles do not answer the question (a decline would score as right), and writing nothing would lose the one thing
the user said; `wrong` says exactly that, and `qa eval` reports it as "wrong answers given again: N of M" while
keeping such questions out of its other figures (see `qa.evaluation.run`). A 👎 with the right answer typed records
the disliked answer as wrong too (unless it is the typed one: a 👎 for its citation), and counts in that line as well.

Other fields are for the person reading the file, and `qa eval` ignores them: `answer` (what the bot said, null
for a decline), `score`, `citation` (`title`, `source` file, character `start`/`end` in it, `passage` number,
`article_id`; null for a decline), `asked` (the question as the bot understood it) and `time` (UTC, ISO 8601).

Every 👍/👎 is appended, never merged with an earlier one for the same question. Appending never rewrites what is
there, so no crash or concurrent writer can lose earlier feedback; two users who disagree (one likes the answer,
another corrects it) both stay, and the replay shows the conflict (one of the two fails) instead of the last click
winning in silence; and the same question after other questions is another test. The cost: a question liked twice
weighs twice in the means; `time` tells which came last.

Each line is built whole and written with one `os.write` on the file opened for appending, under a lock: records
from several threads (tabs, sessions) never interleave, and neither do those of other processes appending to the
same file on a local disk, where the system appends each write whole. JSON escapes newlines and quotes inside
strings, so any text stays on its line.

Example::

    log = FeedbackLog(bot.index.directory)
    log.record(bot.ask("When did North Korea launch the ballistic missile?"), liked=True)
    log.record(bot.ask("Who is Sung Kim?"), liked=False, correction="the US special envoy for North Korea")
    earlier = ["Who is Sung Kim?"]
    log.record(bot.ask("What did he say?", history=earlier), liked=False, history=earlier)  # nothing typed
    # then: qa eval <index_dir>/feedback.jsonl --index-dir <index_dir>
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from qa.ask.followup.turns import Turn
from qa.ask.question import check_question
from qa.ask.result import Result
from qa.config import MAX_CORRECTION_CHARS
from qa.errors import FeedbackError
from qa.evaluation.metrics import exact_match

FEEDBACK_FILE = "feedback.jsonl"


class FeedbackLog:
    """The 👍/👎 of every chat session over one index, appended to `<index_dir>/feedback.jsonl` (see the module).

    One log may be shared by every session of the app: `record` is safe to call from several threads at once.

    Example::

        log = FeedbackLog("index")
        log.record(bot.ask("Who is Sung Kim?"), liked=True)
        log.path  # Path("index/feedback.jsonl"), what `qa eval` replays
    """

    def __init__(self, index_dir: str | Path) -> None:
        """:param index_dir: the index the answers came from (`Bot.index.directory`); the file is kept inside it,
        beside the index that `qa eval --index-dir` answers from again."""
        self.path = Path(index_dir) / FEEDBACK_FILE
        self._lock = threading.Lock()

    def record(
        self,
        result: Result,
        liked: bool,
        history: Sequence[Turn | str] = (),
        correction: str | None = None,
    ) -> dict[str, Any]:
        """Append the user's 👍 (`liked`) or 👎 on `result`, the answer to `result.question`, as one line.

        :param history: the earlier questions of the conversation (or their `Turn`s), oldest first: what the
            question was asked after, and will be asked after again.
        :param correction: the right answer the user typed with a 👎; None when nothing was typed.
        :returns: the record written.
        :raises FeedbackError: for a blank or overlong correction, or a file that cannot be written.
        :raises QuestionError: for an empty or overlong earlier question (the bot would not have taken it).
        :raises ValueError: for a correction with a 👍.
        """
        if liked and correction is not None:
            raise ValueError("A correction goes with a 👎, not a 👍.")
        record = _record(result, liked, history, correction)
        # Readable text, but a lone surrogate (a file name's undecodable byte, a browser's half of an emoji) cannot be
        # UTF-8: written as its JSON escape, which is what `ensure_ascii` would write and what `qa eval` reads back.
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8", "backslashreplace")
        with self._lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
                try:
                    written = 0
                    while written < len(line):  # a regular file takes it all at once; this is for the rare short write
                        written += os.write(descriptor, line[written:])
                finally:
                    os.close(descriptor)
            except OSError as error:
                raise FeedbackError(f"Cannot save the feedback to {self.path}: {error.strerror}.") from error
        return record


def _record(result: Result, liked: bool, history: Sequence[Turn | str], correction: str | None) -> dict[str, Any]:
    """The line `FeedbackLog.record` writes (see the module's table)."""
    top = result.answers[0] if result.answers else None
    said = top.text if top is not None else ""
    if liked:
        answers, wrong, kind = [said] if top is not None else [], [], "liked"
    elif correction is not None:
        right = check_correction(correction)
        answers, wrong, kind = [right], [] if exact_match(said, [right]) else [said], "corrected"
    else:
        answers, wrong, kind = [], [said], "disliked"
    citation = (
        {
            "title": top.title,
            "source": top.source,
            "start": top.start,
            "end": top.end,
            "passage": top.passage,
            "article_id": top.article_id,
        }
        if top is not None
        else None
    )
    return {
        "question": result.question,
        "answers": answers,
        "wrong": wrong,
        "history": [check_question(turn.question if isinstance(turn, Turn) else turn) for turn in history],
        "kind": kind,
        "answer": top.text if top is not None else None,
        "score": top.score if top is not None else None,
        "citation": citation,
        "asked": result.asked,
        "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def check_correction(correction: str) -> str:
    """The typed answer, stripped, if it can stand as the right one.

    Example: ``check_correction("  on Tuesday ") == "on Tuesday"``.

    :raises FeedbackError: for a blank answer or one over `MAX_CORRECTION_CHARS`.
    """
    text = correction.strip()
    if not text:
        raise FeedbackError("The correct answer is blank: type the words of the article that answer the question.")
    if len(text) > MAX_CORRECTION_CHARS:
        raise FeedbackError(
            f"The correct answer is {len(text):,} characters long; the limit is {MAX_CORRECTION_CHARS:,}: "
            "type the words of the article that answer the question."
        )
    return text
