"""Start the chat app: `python app.py [--host H] [--port P] [--articles DIR] ...`; `--help` lists every flag.

The page comes up at once and shows progress while the models load and the articles are indexed. The page itself
is `qa.app.chat`; this file only reads the flags (defaults from `qa.config`, so the same `QA_*` variables as the
`qa` command) and launches it.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from qa import config
from qa.app.readers import ReaderChoices
from qa.errors import ReaderModelError


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Flags override environment variables, which override the defaults."""
    parser = argparse.ArgumentParser(description="Chat with your news articles in the browser.")
    parser.add_argument("--host", default=config.host(), help=f"Env: {config.ENV.HOST}.")
    parser.add_argument("--port", type=int, default=config.port(), help=f"Env: {config.ENV.PORT}.")
    parser.add_argument(
        "--articles",
        type=Path,
        default=None,
        help=f"Folder of articles. Env: {config.ENV.ARTICLES}. Default: the folder last indexed, else the bundled "
        "seeds/.",
    )
    parser.add_argument("--index-dir", type=Path, default=config.index_dir(), help=f"Env: {config.ENV.INDEX_DIR}.")
    parser.add_argument(
        "--reader-model",
        dest="reader_models",
        type=Path,
        action="append",
        metavar="DIR",
        help="A model directory (saved by `qa train-reader`, or a transformers QA model) to offer as a reader, by "
        "its directory's name; repeat for more. The page offers only these and the built-in readers. "
        f"Env: {config.ENV.READER_MODELS} (directories separated by '{os.pathsep}').",
    )
    parser.add_argument(
        "--no-watch",
        dest="watch",
        action="store_false",
        help="Do not index files added to, changed in or removed from the articles folder while the app runs "
        "(uploads from the page are still indexed).",
    )
    parser.add_argument(
        "--auth",
        default=config.auth(),
        metavar="USER:PASSWORD",
        help="Ask for this login before showing anything (for a served app: see --host). Prefer the environment "
        f"variable, which other users cannot read in the process list. Env: {config.ENV.AUTH}.",
    )
    args = parser.parse_args(argv)
    try:
        args.readers = ReaderChoices.configure(args.reader_models or config.reader_models())
    except ReaderModelError as error:
        parser.error(str(error))
    args.auth = _login(parser, args.auth)
    return args


def _login(parser: argparse.ArgumentParser, value: str | None) -> tuple[str, str] | None:
    """`USER:PASSWORD` as Gradio's `auth` takes it (the password may hold colons); a bad one stops the launch.

    The message never repeats the value: it holds a password.
    """
    if value is None:
        return None
    user, _, password = value.partition(":")
    if not user.strip() or not password:
        parser.error(f"--auth (or {config.ENV.AUTH}) takes USER:PASSWORD, both non-empty.")
    return user.strip(), password


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    config.offline()  # before Gradio, Haystack and torch are imported
    from qa.app.chat import CSS, THEME, build_app
    from qa.app.service import ChatService

    service = ChatService(args.articles, args.index_dir, readers=args.readers, watch=args.watch)
    service.start()
    app = build_app(service).queue(default_concurrency_limit=4)
    app.launch(
        server_name=args.host,
        server_port=args.port,
        auth=args.auth,
        theme=THEME,
        css=CSS,
    )


if __name__ == "__main__":
    main()
