"""Every default and every `QA_*` environment variable, in one place.

The environment is read when a setting is asked for, not when `qa` is imported, so a caller (or a test) that sets
a variable later is heard, and importing `qa` changes nothing. Flags of the `qa` command and of `app.py` declare
the same variables (`ENV`), so a flag, then the variable, then the default decides.

| variable | what | default |
| --- | --- | --- |
| `QA_ARTICLES` | the articles folder | the folder the index was last built from, else the bundled `seeds/` |
| `QA_INDEX_DIR` | where the index is kept | `index/` in the working directory |
| `QA_STORE` | the dense store: `faiss` or `milvus` | `faiss` |
| `QA_MILVUS_URI`, `QA_MILVUS_TOKEN` | the Milvus server and its credentials | `http://127.0.0.1:19530`, none |
| `QA_HOST`, `QA_PORT` | where the chat app listens | `127.0.0.1`, `7860` |
| `QA_PRECISION` | `bf16`, `fp32` or `auto`: how the encoders and the learned reader compute (`qa.precision`) | `auto` |
| `QA_AUTH` | `USER:PASSWORD` the chat app asks for before it shows anything | none (no login) |
| `QA_READER_MODELS` | model directories the chat app offers as readers, separated by `os.pathsep` | none |
| `QA_MAX_FOLDER_BYTES` | the most bytes of article files a folder may hold (`0`: no limit) | 1 GB |
| `QA_ANY_FOLDER` | `1` indexes even the file system's root, a system folder or the home folder | refused |
"""

from __future__ import annotations

import os
from pathlib import Path

from qa.errors import SettingError

_PACKAGE = Path(__file__).resolve().parent
# The bundled articles: `seeds/` at the top of a source checkout (an editable install too), `qa/seeds/` in an
# installed wheel, where the build puts them.
SEEDS = _PACKAGE / "seeds" if (_PACKAGE / "seeds").is_dir() else _PACKAGE.parent / "seeds"
# Relative, so in the working directory: never inside an installed package, which may be read-only and is replaced
# by the next upgrade. In a checkout, the README's commands run at its top, where `index/` is ignored by git.
DEFAULT_INDEX_DIR = Path("index")
# The learned reader shipped in the package; `qa train-reader` writes elsewhere unless told to replace it.
SHIPPED_READER = _PACKAGE / "readers" / "learned" / "model"
DEFAULT_TRAINING_OUTPUT = Path("trained-reader")
DEFAULT_TOP_K = 5
# The reader used unless one is named: see `qa.readers.choose`.
DEFAULT_READER = "learned"
DEFAULT_STORE = "faiss"
DEFAULT_MILVUS_URI = "http://127.0.0.1:19530"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
# Larger files are read up to this many bytes (see `qa.ingest.files.read_bytes`); also the chat's upload limit.
MAX_FILE_BYTES = 25_000_000
# A folder holding more article bytes than this is most likely not a folder of articles (a disk, a download
# folder): indexing 1 GB of text would take hours on a laptop. About 400,000 news articles of BBC size.
MAX_FOLDER_BYTES = 1_000_000_000
MAX_QUESTION_CHARS = 1000
# A correct answer a user types with a 👎 (`qa.app.feedback`): words of an article, a quote at most.
MAX_CORRECTION_CHARS = 1000
# Passages read per question at most: beyond this a question takes seconds and answers no better.
MAX_TOP_K = 100


class ENV:
    """The names of the environment variables (see the module docstring)."""

    ARTICLES = "QA_ARTICLES"
    INDEX_DIR = "QA_INDEX_DIR"
    STORE = "QA_STORE"
    MILVUS_URI = "QA_MILVUS_URI"
    MILVUS_TOKEN = "QA_MILVUS_TOKEN"
    HOST = "QA_HOST"
    PORT = "QA_PORT"
    PRECISION = "QA_PRECISION"
    AUTH = "QA_AUTH"
    READER_MODELS = "QA_READER_MODELS"
    MAX_FOLDER_BYTES = "QA_MAX_FOLDER_BYTES"
    ANY_FOLDER = "QA_ANY_FOLDER"


# Offline by default: models load from installed packages or local paths, never from a hub, and nothing phones
# home. Haystack and huggingface_hub read these when they are imported, so `offline()` runs before them.
_OFFLINE = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HAYSTACK_TELEMETRY_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",  # the per-load "Loading weights" bar; indexing keeps its own bar
    "GRADIO_ANALYTICS_ENABLED": "False",
}


def offline() -> None:
    """Set the offline defaults for the libraries that load models, unless the caller set them already.

    Called by `qa.Bot`'s first use, the `qa` command and `app.py` before torch, Haystack or Gradio are imported. Set
    `HF_HUB_OFFLINE=0` beforehand to let a transformers reader model download.
    """
    for name, value in _OFFLINE.items():
        os.environ.setdefault(name, value)


def index_dir() -> Path:
    """Where the index is kept: `$QA_INDEX_DIR`, else `DEFAULT_INDEX_DIR`."""
    return Path(os.environ.get(ENV.INDEX_DIR) or DEFAULT_INDEX_DIR)


def articles() -> Path | None:
    """The articles folder `$QA_ARTICLES` names, if any."""
    value = os.environ.get(ENV.ARTICLES)
    return Path(value) if value else None


def store() -> str:
    """The dense store's name: `$QA_STORE`, else `DEFAULT_STORE`."""
    return os.environ.get(ENV.STORE) or DEFAULT_STORE


def milvus_uri() -> str:
    return os.environ.get(ENV.MILVUS_URI) or DEFAULT_MILVUS_URI


def milvus_token() -> bool:
    """Whether a Milvus token is set (it is passed on as a secret read from `$QA_MILVUS_TOKEN`, never copied)."""
    return bool(os.environ.get(ENV.MILVUS_TOKEN))


def host() -> str:
    """Where the chat app listens: `$QA_HOST`, else `DEFAULT_HOST`."""
    return os.environ.get(ENV.HOST) or DEFAULT_HOST


def port() -> int:
    """The chat app's port: `$QA_PORT`, else `DEFAULT_PORT`."""
    return int(os.environ.get(ENV.PORT) or DEFAULT_PORT)


def auth() -> str | None:
    """The chat app's login, `USER:PASSWORD`: `$QA_AUTH`, else none (anyone who reaches the port may use it)."""
    return os.environ.get(ENV.AUTH) or None


def reader_models() -> list[Path]:
    """The model directories the chat app offers besides its built-in readers: `$QA_READER_MODELS`, else none."""
    return [Path(part) for part in os.environ.get(ENV.READER_MODELS, "").split(os.pathsep) if part]


def downloads_allowed() -> bool:
    """Whether a transformers reader model may be downloaded: only where the user set `HF_HUB_OFFLINE=0`."""
    return os.environ.get("HF_HUB_OFFLINE", "0") not in ("1", "true", "True", "yes")


def max_folder_bytes() -> int | None:
    """How many bytes of article files a folder may hold: `$QA_MAX_FOLDER_BYTES`, else `MAX_FOLDER_BYTES`; None for
    no limit (`0`).

    :raises SettingError: for a value that is not a whole number of bytes.
    """
    value = (os.environ.get(ENV.MAX_FOLDER_BYTES) or str(MAX_FOLDER_BYTES)).strip().replace("_", "")
    if not value.isdigit():
        raise SettingError(f"{ENV.MAX_FOLDER_BYTES} must be a number of bytes (0 for no limit), not '{value}'.")
    return int(value) or None


def any_folder() -> bool:
    """Whether `$QA_ANY_FOLDER` allows indexing a folder that is never one of articles (see `qa.ingest.files`)."""
    return os.environ.get(ENV.ANY_FOLDER, "").strip().lower() in ("1", "true", "yes")
