"""The package list, which pyproject.toml cannot state: every `qa*` package and data folder (the learned reader's
model among them), plus `qa.seeds`, the bundled articles, which sit at the top of the source tree (see
`[tool.setuptools.package-dir]`) rather than under `qa/`. Everything else about the build is in pyproject.toml."""

from setuptools import find_namespace_packages, setup

setup(packages=[*find_namespace_packages(include=["qa*"], exclude=["*.__pycache__"]), "qa.seeds"])
