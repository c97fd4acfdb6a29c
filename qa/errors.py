"""Every error that is the user's to fix. Each surface shows them as a plain message, without a traceback.

They live together, apart from the code that raises them, so that a stage can raise another stage's error (a
format reader an `ArticleError`, the Milvus store an `IndexingError`) without importing that stage.
"""

from __future__ import annotations


class ArticleError(ValueError):
    """An article file that cannot be used; the message names the file and the reason."""


class IndexingError(RuntimeError):
    """The index cannot be built or read; the message says what to do."""


class ServerUnavailable(IndexingError):
    """The Milvus server cannot be reached; the message names the URI and the setting that chooses it."""


class QuestionError(ValueError):
    """A question the bot cannot take (empty, too long); the message says why."""


class QAFileError(ValueError):
    """A question-answer file that cannot be used; the message names the file, the place and what is wrong."""


class FeedbackError(ValueError):
    """Feedback on an answer that cannot be saved (a blank or overlong correction, an unwritable file); the message
    says why."""


class SettingError(ValueError):
    """A `QA_*` environment variable whose value cannot be used; the message names it and the allowed values."""


class LearnedModelError(RuntimeError):
    """The learned reader's model directory is missing or incomplete."""


class ReaderModelError(RuntimeError):
    """The named QA model cannot be loaded."""


# What the `qa` command and the chat catch and show as a message: bad folders, files, questions,
# question-answer files, model names and feedback.
USER_ERRORS: tuple[type[Exception], ...] = (
    ArticleError,
    FeedbackError,
    IndexingError,
    LearnedModelError,
    QAFileError,
    QuestionError,
    ReaderModelError,
    SettingError,
)
