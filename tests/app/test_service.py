"""The bot behind the chat: loaded once in the background, shared by sessions, updated as articles are added."""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from haystack_integrations.components.readers.transformers import TransformersExtractiveReader

import qa.index.build
from qa.app.readers import ReaderChoices
from qa.app.service import MAX_EXAMPLES, ChatService, Update
from qa.errors import ArticleError, ReaderModelError
from qa.index.progress import IndexProgress
from qa.index.report import IndexReport
from qa.ingest.article import Skipped
from qa.ingest.uploads import Added
from tests.conftest import quotes_sung_kim, shared_file


@pytest.fixture
def service(articles_dir: Path, tmp_path: Path) -> ChatService:
    service = ChatService(articles_dir, tmp_path / "index")
    service.start()
    return service


def _generation(service: ChatService) -> str:
    manifest = json.loads((service.bot().index.directory / "manifest.json").read_text(encoding="utf-8"))
    return str(manifest["generation"])


@pytest.mark.slow
def test_it_loads_in_the_background_and_then_answers(service: ChatService) -> None:
    result = service.ask("What did Sung Kim say?")  # waits for the load

    assert service.ready and quotes_sung_kim(result.answers[0].text)
    assert service.status() == "Ready: 1 article, 6 passages indexed."
    assert service.articles() == [("North Korea fires ballistic missile off coast of Japan", "seed-north-korea.txt", 6)]


@pytest.mark.slow
def test_it_is_ready_before_it_has_found_examples(service: ChatService) -> None:
    """Each example is a question asked of the bot: finding them must not delay the first answer."""
    service.bot()  # waits for "Ready"
    assert service.ready and not service.examples_found
    deadline = time.monotonic() + 120
    while not service.examples_found and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "What did Sung Kim say?" in service.examples and len(service.examples) <= MAX_EXAMPLES


@pytest.mark.slow
def test_a_follow_up_is_resolved_against_the_sessions_turns(service: ChatService) -> None:
    from qa.ask.followup.turns import Turn

    result = service.ask("What did he say?", [Turn("Who is Sung Kim?", "Biden's special envoy")])

    assert result.asked == "What did Sung Kim say?" and quotes_sung_kim(result.answers[0].text)


@pytest.mark.slow
def test_an_added_article_is_answered_from_the_next_question(service: ChatService) -> None:
    update = service.add_text(
        "Harbour town keeps its lighthouse",
        'The council of Port Ellery voted on Tuesday to keep the lighthouse.\n\n"The lighthouse is the heart of '
        'this town," said council leader Bridget Mallory.',
    )

    assert update.added.saved == ["uploads/Harbour-town-keeps-its-lighthouse.txt"]
    assert update.report is not None and update.report.added == 1 and update.report.unchanged == 1
    assert "heart of this town" in service.ask("What did Bridget Mallory say?").answers[0].text
    assert len(service.articles()) == 2


@pytest.mark.slow
def test_a_refused_upload_leaves_the_folder_and_the_index_as_they_were(service: ChatService, tmp_path: Path) -> None:
    generation, files = _generation(service), sorted(service.folder.rglob("*"))
    binary = tmp_path / "scan.txt"
    binary.write_bytes(bytes(range(256)) * 16)

    update = service.add_files([(binary, "scan.txt")])

    assert update.added.saved == [] and "binary" in update.added.refused[0].reason and update.report is None
    assert _generation(service) == generation and sorted(service.folder.rglob("*")) == files


@pytest.mark.slow
def test_an_empty_pasted_article_is_refused(service: ChatService) -> None:
    with pytest.raises(ArticleError, match="empty"):
        service.add_text("A title", "   ")


@pytest.mark.slow
def test_questions_asked_while_articles_are_added_get_their_own_answers(service: ChatService) -> None:
    service.bot()
    questions = ["What did Sung Kim say?", "Where did the intelligence chiefs reportedly meet?"] * 4
    with ThreadPoolExecutor(max_workers=3) as pool:
        adding = pool.submit(service.add_text, "Rail strike ends", "Drivers went back on Monday, the union said.")
        results = list(pool.map(service.ask, questions))
        adding.result()

    for question, result in zip(questions, results, strict=True):
        text = result.answers[0].text
        assert quotes_sung_kim(text) if "Sung Kim" in question else "Seoul" in text
    assert len(service.articles()) == 2


@pytest.mark.slow
def test_a_configured_transformers_reader_gets_its_own_bot_over_the_same_index(
    articles_dir: Path, tmp_path: Path, tiny_qa_model: Path
) -> None:
    service = ChatService(articles_dir, tmp_path / "index", readers=ReaderChoices.configure([tiny_qa_model]))
    service.start()

    bot = service.bot(tiny_qa_model.name)

    assert isinstance(bot.pipeline.get_component("reader"), TransformersExtractiveReader)
    assert bot.index.directory == service.bot().index.directory and service.bot(tiny_qa_model.name) is bot
    assert bot.reader == str(tiny_qa_model.resolve())


@pytest.mark.parametrize("reader", ["/etc", "/root", "/no/such/model", "rules/../../etc"])
def test_a_reader_not_configured_is_refused_before_anything_else(tmp_path: Path, reader: str) -> None:
    service = ChatService(tmp_path / "no-such-folder", tmp_path / "index")  # a start that fails, had it been waited for
    service.start()

    with pytest.raises(ReaderModelError, match=f"^Unknown reader '{reader}'. Choose one of: learned, hybrid, rules.$"):
        service.ask("Anything?", reader=reader)
    assert service._bots == {}


def test_a_failed_start_is_reported_on_the_page_and_to_every_question(tmp_path: Path) -> None:
    service = ChatService(tmp_path / "no-such-folder", tmp_path / "index")
    service.start()

    with pytest.raises(ArticleError, match="no-such-folder"):
        service.ask("Anything?")
    assert service.status().startswith("The bot could not start:") and "no-such-folder" in service.status()


@pytest.mark.slow
def test_an_uploaded_copy_of_an_indexed_article_is_saved_but_said_not_indexed(
    service: ChatService, tmp_path: Path
) -> None:
    copy = tmp_path / "copy.txt"
    copy.write_bytes((service.folder / "seed-north-korea.txt").read_bytes())

    update = service.add_files([(copy, "copy.txt")])

    assert update.report is not None and update.report.added == 0
    assert update.messages() == [
        "Nothing added; 1 duplicate skipped: **uploads/copy.txt** (it has the same text as seed-north-korea.txt)."
    ]
    assert [row[1] for row in service.articles()] == ["seed-north-korea.txt"]


@pytest.mark.slow
def test_an_upload_is_summed_up_in_one_line_with_its_copies_and_refusals_named(
    service: ChatService, tmp_path: Path
) -> None:
    copy, binary = tmp_path / "copy.txt", tmp_path / "scan.txt"
    copy.write_bytes((service.folder / "seed-north-korea.txt").read_bytes())
    binary.write_bytes(bytes(range(256)) * 16)
    towns = _towns(tmp_path / "towns", 7)

    update = service.add_files([*towns, (copy, "copy.txt"), (binary, "scan.txt")])

    assert update.messages()[0] == (
        "Added 7 articles: **uploads/town-0.txt**, **uploads/town-1.txt**, **uploads/town-2.txt**, "
        "**uploads/town-3.txt**, **uploads/town-4.txt** and 2 more; 1 duplicate skipped: **uploads/copy.txt** (it "
        "has the same text as seed-north-korea.txt); 1 file refused: **scan.txt** (it looks like a binary file, not "
        "text)."
    )
    assert service.status().startswith("Ready: 8 articles, ") and "(1 duplicate skipped)" in service.status()


@pytest.mark.parametrize(
    ("update", "summary"),
    [
        (
            Update(Added(["uploads/a.txt"]), IndexReport(), indexed={"uploads/a.txt": 1}),
            "Added 1 article: **uploads/a.txt**.",
        ),
        (
            Update(
                Added(["uploads/feed.jsonl"]),
                IndexReport(
                    skipped=[
                        Skipped("old.txt", "it is empty"),  # skipped before this upload: not this update's
                        Skipped("uploads/feed.jsonl#4", "it has the same text as b.txt", duplicate_of="b.txt"),
                    ]
                ),
                indexed={"uploads/feed.jsonl": 3},
            ),
            "Added 3 articles: **uploads/feed.jsonl**; 1 duplicate skipped: **uploads/feed.jsonl&#35;4** (it has the "
            "same text as b.txt).",
        ),
        (
            Update(Added(refused=[Skipped("<b>scan</b>.txt", "it is empty"), Skipped("notes.doc", "not an article")])),
            "Nothing added; 2 files refused: **&lt;b&gt;scan&lt;/b&gt;.txt** (it is empty), **notes.doc** (not an "
            "article).",
        ),
    ],
)
def test_an_updates_summary_names_what_was_skipped_and_why(update: Update, summary: str) -> None:
    assert update.messages() == [summary]


def _bbc(folder: Path, count: int) -> Path:
    """`count` BBC business articles and a copy of the first."""
    source = shared_file("corpora/bbc-news/business")
    folder.mkdir()
    for path in sorted(source.glob("*.txt"))[:count]:
        shutil.copy(path, folder / path.name)
    shutil.copy(folder / "001.txt", folder / "copy-of-001.txt")
    return folder


_INDEXING = re.compile(
    r"Indexing: (\d+) of 21 files read(?: \(\d+ articles\))?(?:, ([\d,]+) of (?:about )?[\d,]+ passages embedded)?; "
    r"[\w ]+ so far(?:, (?:about [\w ]+|a few seconds) left)?\."
)


@pytest.mark.slow
def test_the_status_shows_how_far_the_first_indexing_got(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(qa.index.build, "EMBED_CHUNK", 16)  # several chunks from 20 articles
    service = ChatService(_bbc(tmp_path / "bbc", 20), tmp_path / "index")
    lines = [service.status()]
    service.start()
    while not service.ready:
        if service.status() != lines[-1]:
            lines.append(service.status())
        time.sleep(0.01)

    passages = service.bot().report.passages
    assert lines[0] == "Loading the models…"
    indexing = [_INDEXING.fullmatch(line) for line in lines if line.startswith("Indexing: ")]
    assert indexing and all(indexing), lines
    files = [int(match[1]) for match in indexing if match is not None]
    embedded = [int(match[2].replace(",", "")) for match in indexing if match is not None and match[2]]
    assert files == sorted(files) and embedded == sorted(embedded) and len(set(embedded)) > 2, lines
    done = f"Read 21 files (20 articles) and embedded {passages:,} passages in "
    finishing = [line for line in lines[1:] if not line.startswith("Indexing: ")]
    assert all(line.startswith(done) and line.endswith(" s. Loading the models…") for line in finishing), lines
    assert service.status() == f"Ready: 20 articles, {passages:,} passages indexed (1 duplicate skipped)."


@pytest.mark.slow
def test_an_uploads_progress_can_be_followed_until_it_is_done(service: ChatService, tmp_path: Path) -> None:
    service.bot()
    towns = _towns(tmp_path / "towns", 20)
    seen: list[IndexProgress] = []
    with ThreadPoolExecutor(max_workers=1) as pool:
        adding = pool.submit(service.add_files, towns)
        while not adding.done():
            progress = service.progress
            if progress is not None:
                seen.append(progress)
            time.sleep(0.01)
        adding.result()

    assert seen and all(progress.files_total == 21 for progress in seen)
    fractions = [progress.fraction for progress in seen]
    assert fractions == sorted(fractions) and all(0 <= fraction <= 1 for fraction in fractions)
    assert service.progress is None


def _timed(service: ChatService, question: str, reader: str | None) -> tuple[str, float]:
    started = time.perf_counter()
    result = service.ask(question, reader=reader)
    return result.answers[0].text if result.answers else "", time.perf_counter() - started


def _towns(folder: Path, count: int) -> list[tuple[Path, str]]:
    """`count` articles of a few paragraphs each, written to `folder` as uploads."""
    folder.mkdir()
    uploads = []
    for number in range(count):
        path = folder / f"town-{number}.txt"
        paragraphs = [
            f"Town {number} opens a new library",
            f"The town of Ashford {number} opened a library on Saturday after {number + 3} years of building.",
            f"The library holds {1000 + number} books and a reading room for {number + 20} people.",
            "Local schools will bring their pupils every week, the head teachers said in a joint statement.",
            f"Funding came from the county, which paid {number + 2} million pounds, and from local businesses.",
        ]
        path.write_text("\n\n".join(paragraphs), encoding="utf-8")
        uploads.append((path, path.name))
    return uploads


@pytest.mark.slow
def test_questions_to_two_readers_are_answered_at_normal_latency_while_50_articles_are_added(
    service: ChatService, tmp_path: Path
) -> None:
    questions = [("What did Sung Kim say?", None), ("Where did the intelligence chiefs reportedly meet?", "rules")]
    alone = {question: _timed(service, question, reader) for question, reader in questions * 2}  # both bots loaded
    normal = max(seconds for _, seconds in alone.values())
    answered: list[tuple[str, float]] = []
    with ThreadPoolExecutor(max_workers=4) as pool:
        adding = pool.submit(service.add_files, _towns(tmp_path / "towns", 50))
        while not adding.done():
            asked = [pool.submit(_timed, service, question, reader) for question, reader in questions * 2][:3]
            answered += [(text, seconds) for text, seconds in (future.result() for future in asked)]
        update = adding.result()

    assert update.report is not None and update.report.added == 50
    assert len(answered) >= 6, "too few questions were answered while the articles were being added"
    texts = {question: text for question, (text, _) in alone.items()}
    assert {text for text, _ in answered} <= set(texts.values()), "a question got another answer while indexing"
    slowest = max(seconds for _, seconds in answered)
    print(f"alone: slowest {normal * 1000:.0f} ms; while indexing: slowest {slowest * 1000:.0f} ms")
    assert slowest < max(10 * normal, 5.0), "a question waited for the indexing"
    assert len(service.articles()) == 51 and service.bot("rules").index is service.bot().index


@pytest.mark.slow
def test_eight_threads_asking_fifty_questions_each_see_no_error(service: ChatService) -> None:
    """The query encoder's fast tokenizer is shared by every worker; unguarded, it fails with "Already borrowed"."""
    questions = ["What did Sung Kim say?", "Who is Sung Kim?", "Where did the intelligence chiefs reportedly meet?"]
    expected = {question: [a.text for a in service.ask(question).answers] for question in questions}

    def ask_fifty(thread: int) -> list[tuple[str, list[str]]]:
        asked = [questions[(thread + n) % len(questions)] for n in range(50)]
        return [(question, [a.text for a in service.ask(question).answers]) for question in asked]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = [pair for answers in pool.map(ask_fifty, range(8)) for pair in answers]

    assert len(results) == 400
    assert all(answers == expected[question] for question, answers in results)


@pytest.mark.slow
def test_a_file_dropped_into_the_watched_folder_is_answered_and_a_deleted_one_no_longer_cited(
    articles_dir: Path, tmp_path: Path
) -> None:
    service = ChatService(articles_dir, tmp_path / "index", watch=True)
    service.start()
    try:
        service.bot()
        (articles_dir / "bees.txt").write_text(
            "Honeybee colonies collapse across Norway\n\nBeekeepers in Norway lost half of their colonies to a mite, "
            "the farmers' union said on Monday.",
            encoding="utf-8",
        )
        question = "What did Norway's beekeepers lose?"
        cited = _wait_for(lambda: any(Path(a.source).name == "bees.txt" for a in service.ask(question).answers))
        assert cited is not None, "the new file was not answered from"
        print(f"a new file answered {cited:.1f} s after it was written")
        assert "1 added" in service.status() and service.version == 1
        (articles_dir / "bees.txt").unlink()
        gone = _wait_for(lambda: all(Path(p.source).name != "bees.txt" for p in service.ask(question).passages))
        assert gone is not None, "the deleted file is still cited"
        assert "1 removed" in service.status() and len(service.articles()) == 1
    finally:
        service.stop()


def _wait_for(condition: Callable[[], bool], seconds: float = 30.0) -> float | None:
    """How long `condition` took to hold (checked twice a second), or None if it did not within `seconds`."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if condition():
            return time.monotonic() - started
        time.sleep(0.5)
    return None


def test_a_question_not_in_english_gets_a_note_that_says_why_it_may_be_declined() -> None:
    assert "This looks like Spanish" in (ChatService.language_note("¿Qué dijo Sung Kim a los periodistas?") or "")
    assert ChatService.language_note("What did Sung Kim tell reporters?") is None
