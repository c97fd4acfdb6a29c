"""`app.py`'s flags: each from the flag, else its `QA_*` variable, else the default; a bad one stops the launch."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import app
from tests.app.conftest import fake_model


def test_host_port_and_articles_come_from_flags_then_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = app.parse_args([])
    assert (defaults.host, defaults.port, defaults.articles) == ("127.0.0.1", 7860, None)
    monkeypatch.setenv("QA_HOST", "0.0.0.0")
    monkeypatch.setenv("QA_PORT", "9000")
    assert (app.parse_args([]).host, app.parse_args([]).port) == ("0.0.0.0", 9000)
    flags = app.parse_args(["--host", "localhost", "--port", "8080", "--articles", "news"])
    assert (flags.host, flags.port, flags.articles) == ("localhost", 8080, Path("news"))


def test_reader_models_come_from_the_flags_then_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    first, second = fake_model(tmp_path / "first-reader"), fake_model(tmp_path / "second-reader")
    assert dict(app.parse_args([]).readers.models) == {}

    monkeypatch.setenv("QA_READER_MODELS", os.pathsep.join([str(first), str(second)]))
    assert dict(app.parse_args([]).readers.models) == {"first-reader": first, "second-reader": second}
    flagged = app.parse_args(["--reader-model", str(second)]).readers.models
    assert dict(flagged) == {"second-reader": second}


@pytest.mark.parametrize("made", [None, "file", "folder"])
def test_a_reader_model_that_is_not_a_model_directory_stops_the_launch(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, made: str | None
) -> None:
    path = tmp_path / "my-reader"
    if made == "file":
        path.write_text("not a model", encoding="utf-8")
    elif made == "folder":
        path.mkdir()

    with pytest.raises(SystemExit) as stopped:
        app.parse_args(["--reader-model", str(path)])

    assert stopped.value.code == 2
    assert f"Reader model '{path}' is not a question-answering model directory" in capsys.readouterr().err


def test_the_login_comes_from_the_flag_then_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert app.parse_args([]).auth is None
    monkeypatch.setenv("QA_AUTH", "ann:from the environment")
    assert app.parse_args([]).auth == ("ann", "from the environment")
    assert app.parse_args(["--auth", " bob :pass:with:colons"]).auth == ("bob", "pass:with:colons")


@pytest.mark.parametrize("login", ["no-colon-s3cret", ":s3cret", "  :s3cret", "ann:"])
def test_a_login_that_is_not_user_colon_password_stops_the_launch_without_repeating_it(
    capsys: pytest.CaptureFixture[str], login: str
) -> None:
    with pytest.raises(SystemExit) as stopped:
        app.parse_args(["--auth", login])

    error = capsys.readouterr().err
    assert stopped.value.code == 2 and "--auth (or QA_AUTH) takes USER:PASSWORD, both non-empty." in error
    assert "s3cret" not in error
