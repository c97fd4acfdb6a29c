"""Which errors are the user's to fix: every surface shows them as a plain message, without a traceback."""

from __future__ import annotations


def user_errors() -> tuple[type[Exception], ...]:
    """Bad folders, files, questions, question-answer files and model names.

    Imported on first use, so that importing a caller stays light.
    """
    from qa.articles import ArticleError
    from qa.bot import QuestionError
    from qa.index import IndexingError
    from qa.qa_pairs import QAFileError
    from qa.readers.learned import LearnedModelError
    from qa.readers.transformers import ReaderModelError

    return (ArticleError, IndexingError, LearnedModelError, QAFileError, QuestionError, ReaderModelError)
