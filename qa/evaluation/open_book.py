"""The corpus of an open-book evaluation: a SQuAD file's own paragraphs, written out as article files.

With a SQuAD file and no articles folder, the bot must find each question's paragraph among all the file's
paragraphs before reading it, as it would among a user's articles. Each SQuAD article becomes one `.txt` file
(its title on the first line, its paragraphs separated by blank lines), so that citations are offsets into a real
file. The folder and its index live under the index directory in a sub-folder named for the file's hash: a second
run of the same file finds them and embeds nothing.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from qa.evaluation.files import QASet, SquadArticle

_NOT_SLUG = re.compile(r"[^A-Za-z0-9]+")


def open_book_folders(qa_set: QASet, index_dir: str | Path) -> tuple[Path, Path]:
    """Write `qa_set`'s paragraphs as articles (unless already there) and say where they and their index go.

    Example::

        articles, index = open_book_folders(load_qa_file("squad-v1.1-dev.json"), "index")
        bot = Bot(articles, index)

    :returns: (articles folder, index directory), both under `index_dir/eval-<file stem>-<hash>/`.
    :raises ValueError: if the set has no paragraphs (it is not from a SQuAD file).
    """
    if not qa_set.articles:
        raise ValueError(f"{qa_set.path} holds no paragraphs to use as articles (it is {qa_set.format}, not SQuAD).")
    digest = hashlib.sha256(qa_set.path.read_bytes()).hexdigest()[:12]
    base = Path(index_dir) / f"eval-{_slug(qa_set.path.stem)}-{digest}"
    articles = base / "articles"
    articles.mkdir(parents=True, exist_ok=True)
    for number, article in enumerate(qa_set.articles, start=1):
        path = articles / f"{number:03d}-{_slug(article.title)}.txt"
        text = article_text(article)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    return articles, base / "index"


def article_text(article: SquadArticle) -> str:
    """One article file's text: the title ("Super_Bowl_50" as "Super Bowl 50"), then the paragraphs.

    Example: ``article_text(SquadArticle("Super_Bowl_50", ("One.", "Two."))) == "Super Bowl 50\\n\\nOne.\\n\\nTwo.\\n"``
    """
    title = " ".join(article.title.replace("_", " ").split()) or "Untitled"
    return "\n\n".join([title, *(" ".join(paragraph.split()) for paragraph in article.paragraphs)]) + "\n"


def _slug(text: str) -> str:
    return _NOT_SLUG.sub("-", text).strip("-")[:60] or "untitled"
