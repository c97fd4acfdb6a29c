"""Closed-book evaluation: each SQuAD question read with its own paragraph, by the reader alone.

This is SQuAD's reading-comprehension setting, the one its published scores (logistic regression F1 51, BiDAF
77) are measured in: it scores the reader apart from retrieval. The open-book evaluation
(`qa.evaluation.open_book`) scores what users get, the reader behind retrieval over every paragraph of the file.
"""

from __future__ import annotations

from haystack import Document

from qa.ask.question import check_question
from qa.ask.result import Answer, Result
from qa.readers.choose import make_reader

CLOSED_BOOK = "each question's own paragraph (closed-book)"


class ClosedBook:
    """Asks the reader named `reader` (see `qa.readers.make_reader`) about one paragraph at a time.

    Usage example::

        book = ClosedBook("learned")
        book.ask("Who designed it?", paragraph).answers[0].text
    """

    top_k = 1
    articles = CLOSED_BOOK

    def __init__(self, reader: str | None = None) -> None:
        """Load the reader's models."""
        self.reader = make_reader(reader, top_k=1)
        self.reader.warm_up()

    def ask(self, question: str, context: str, title: str = "") -> Result:
        """The reader's answer to `question` from `context` alone, as a `Result` with no retrieved passages.

        :raises qa.errors.QuestionError: for an empty or overlong question.
        """
        question = check_question(question)
        document = Document(content=context, meta={"title": title, "article_id": title})
        extracted = self.reader.run(query=question, documents=[document], top_k=1)["answers"]
        best = max(extracted, key=lambda answer: answer.score)
        if best.data is None or best.document_offset is None:
            return Result(question, question, [], no_answer=True)
        start, end = best.document_offset.start, best.document_offset.end
        answer = Answer(best.data, round(best.score, 4), title, "", start, end, context, 0, 1)
        return Result(question, question, [answer], no_answer=False)
