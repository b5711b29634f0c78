"""The docs show the files the tests build, and the numbers the benchmarks wrote."""

from __future__ import annotations

import json

from pathlib import Path

import pytest


pytestmark = pytest.mark.docs

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "docs" / "examples").iterdir())


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_docker_md_shows_each_tested_example_verbatim(example: Path) -> None:
    assert example.read_text().rstrip() in (ROOT / "docs" / "docker.md").read_text()


def test_readme_shows_the_basic_recipe_verbatim() -> None:
    basic = (ROOT / "docs" / "examples" / "basic.Dockerfile").read_text().rstrip()
    assert basic in (ROOT / "README.md").read_text()


def test_every_dockerfile_example_is_built_by_the_docker_tests() -> None:
    tests = (ROOT / "tests" / "docker" / "test_recipes.py").read_text()
    for example in EXAMPLES:
        if example.suffix == ".Dockerfile":
            assert f'"{example.name}"' in tests, example.name


def test_benchmarks_md_shows_the_measured_table_and_chart() -> None:
    from benchmarks.install_speed import CHART
    from benchmarks.install_speed import RESULTS
    from benchmarks.install_speed import table

    results = json.loads(RESULTS.read_text())
    docs = (ROOT / "docs" / "benchmarks.md").read_text()
    assert table(results) in docs
    assert f"]({CHART.name})" in docs
    assert CHART.read_bytes().startswith(b"\x89PNG")
