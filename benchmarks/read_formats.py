"""How fast articles are read in each format: the BBC corpus written out as .txt, .html, .pdf and .csv, then read.

    python benchmarks/read_formats.py                     # the first 500 BBC articles
    python benchmarks/read_formats.py --limit 0           # all 2,225

The pages carry navigation, scripts and adverts around the article, as saved news pages do; the PDFs are laid
out by fpdf2 (a dev dependency). Prints, per format, the files, the articles read, the duplicates and other
skips, and the seconds `load_folder` took. The copies of one story in several formats are then read together, to
show that each story is kept once.
"""

from __future__ import annotations

import argparse
import csv
import html
import tempfile
import time
from pathlib import Path

from fpdf import FPDF

from qa.ingest.article import Corpus
from qa.ingest.read import load_folder

BBC = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "bbc-news"
PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title} - BBC News</title>
<script>window.ads = loadAdverts("top");</script></head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li></ul></nav>
<div class="advert">Advertisement: holidays in the sun, book now</div>
<article><h1>{title}</h1>{paragraphs}</article>
<aside><h2>Most read</h2><ol><li>Another story</li><li>A third story</li></ol></aside>
<footer>Copyright BBC. Cookies. Terms of use.</footer><script>track();</script></body></html>
"""


def stories(limit: int) -> list[tuple[str, str, str]]:
    """`(name, title, body)` of the first `limit` BBC articles (all when 0)."""
    paths = sorted(BBC.rglob("*.txt"))
    found = []
    for path in paths[:limit] if limit else paths:
        title, _, body = path.read_text(encoding="latin-1").strip().partition("\n")
        found.append((f"{path.parent.name}-{path.stem}", title.strip(), body.strip()))
    return found


def write_all(folder: Path, items: list[tuple[str, str, str]]) -> None:
    """The same stories as .txt files, saved pages, PDFs and one CSV table, each format in its own folder."""
    for kind in ("txt", "html", "pdf", "csv"):
        (folder / kind).mkdir(parents=True)
    with open(folder / "csv" / "all.csv", "w", encoding="utf-8", newline="") as handle:
        table = csv.writer(handle)
        table.writerow(["title", "text"])
        for name, title, body in items:
            (folder / "txt" / f"{name}.txt").write_text(f"{title}\n\n{body}\n", encoding="utf-8")
            paragraphs = "".join(f"<p>{html.escape(p.strip())}</p>\n" for p in body.split("\n\n") if p.strip())
            page = PAGE.format(title=html.escape(title), paragraphs=paragraphs)
            (folder / "html" / f"{name}.html").write_text(page, encoding="utf-8")
            pdf = FPDF()
            pdf.add_page()
            pdf.set_font("Helvetica", size=11)
            pdf.multi_cell(0, 6, f"{title}\n\n{body}".encode("latin-1", "replace").decode("latin-1"))
            pdf.output(str(folder / "pdf" / f"{name}.pdf"))
            table.writerow([title, body])


def describe(kind: str, files: int, corpus: Corpus, seconds: float) -> str:
    duplicates = sum(1 for skip in corpus.skipped if skip.duplicate_of is not None)
    others = len(corpus.skipped) - duplicates
    return (
        f"{kind:<6} {files:>6} files  {len(corpus.articles):>6} articles  {duplicates:>5} duplicates  "
        f"{others:>3} other skips  {seconds:6.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=500, help="BBC articles to use (0: all).")
    args = parser.parse_args()
    items = stories(args.limit)
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        started = time.perf_counter()
        write_all(folder, items)
        print(f"wrote {len(items)} stories in 4 formats in {time.perf_counter() - started:.1f} s")
        for kind in ("txt", "html", "pdf", "csv"):
            files = sum(1 for _ in (folder / kind).iterdir())
            started = time.perf_counter()
            corpus = load_folder(folder / kind)
            print(describe(kind, files, corpus, time.perf_counter() - started))
        started = time.perf_counter()
        corpus = load_folder(folder)
        print(describe("all", 3 * len(items) + 1, corpus, time.perf_counter() - started))


if __name__ == "__main__":
    main()
