"""Start the chat app: `python app.py [--host H] [--port P] [--articles DIR] [--index-dir DIR]`.

The page comes up at once and shows progress while the models load and the articles are indexed.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # offline: no usage reports


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Flags override environment variables, which override the defaults."""
    from qa.defaults import DEFAULT_INDEX_DIR

    parser = argparse.ArgumentParser(description="Chat with your news articles in the browser.")
    parser.add_argument("--host", default=os.environ.get("QA_HOST", "127.0.0.1"), help="Env: QA_HOST.")
    parser.add_argument("--port", type=int, default=int(os.environ.get("QA_PORT", "7860")), help="Env: QA_PORT.")
    parser.add_argument(
        "--articles",
        type=Path,
        default=None,
        help="Folder of articles. Env: QA_ARTICLES. Default: the folder last indexed, else the bundled seeds/.",
    )
    parser.add_argument("--index-dir", type=Path, default=DEFAULT_INDEX_DIR, help="Env: QA_INDEX_DIR.")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    from qa.articles import MAX_FILE_BYTES
    from qa.chat import CSS, THEME, build_app
    from qa.service import ChatService

    service = ChatService(args.articles, args.index_dir)
    service.start()
    app = build_app(service).queue(default_concurrency_limit=4)
    app.launch(server_name=args.host, server_port=args.port, max_file_size=MAX_FILE_BYTES, theme=THEME, css=CSS)


if __name__ == "__main__":
    main()
