"""The package as a user installs it: a wheel in a fresh virtual environment, asked from an empty folder.

Only `qa` comes from the wheel. Its dependencies are lent by the environment running the tests (a `.pth` file
naming its site-packages), because installing them again would need the network and minutes; that environment's
own `qa`, an editable install, is not visible there (a `.pth` file found through another one is not read).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import ROOT, quotes_sung_kim


def _run(*command: str | Path, cwd: Path) -> str:
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "QA_"))}
    completed = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=environment, capture_output=True, text=True, timeout=600
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


# What a build must not see: environments, indexes, caches and the outputs of earlier builds, whose stale files
# setuptools would package. Hidden entries and caches anywhere; the rest only at the top of the tree.
_ANYWHERE = shutil.ignore_patterns(".*", "__pycache__", "*.egg-info")
_AT_THE_TOP = {"index", "build", "dist", "trained-reader"}


def _not_source(directory: str, names: list[str]) -> set[str]:
    ignored = set(_ANYWHERE(directory, names))
    return ignored | (_AT_THE_TOP & set(names) if Path(directory) == ROOT else set())


def _files(folder: Path) -> set[Path]:
    return {path for path in folder.rglob("*") if "__pycache__" not in path.parts}


@pytest.mark.slow
def test_a_wheel_installed_in_a_fresh_environment_answers_from_an_empty_folder(tmp_path: Path) -> None:
    source, wheels, fresh, empty = (tmp_path / name for name in ("source", "wheels", "venv", "empty"))
    shutil.copytree(ROOT, source, ignore=_not_source)
    empty.mkdir()
    pip_wheel = ("-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q")
    _run(sys.executable, *pip_wheel, "-w", wheels, source, cwd=tmp_path)
    [wheel] = wheels.glob("*.whl")
    _run(sys.executable, "-m", "venv", fresh, cwd=tmp_path)
    python = fresh / "bin" / "python"
    _run(python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", wheel, cwd=tmp_path)
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=empty).strip())
    (site / "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    installed = Path(_run(python, "-c", "import qa; print(qa.__file__)", cwd=empty).strip()).parent
    assert installed == site / "qa"
    before = _files(installed)

    answer = _run(fresh / "bin" / "qa", "ask", "What did Sung Kim say?", cwd=empty)

    assert quotes_sung_kim(answer), answer
    assert f"{installed / 'seeds'}" in answer  # cited from the articles the wheel carries
    assert (empty / "index" / "manifest.json").is_file()
    assert _files(installed) == before  # nothing written into the install
