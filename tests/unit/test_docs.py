"""The docs show the files the tests build, and the numbers the benchmarks wrote."""

from __future__ import annotations

import json
import re

from pathlib import Path

import pytest
import tomlkit
import yaml


pytestmark = pytest.mark.docs

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "docs" / "examples").iterdir())


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_docker_md_shows_each_tested_example_verbatim(example: Path) -> None:
    assert example.read_text().rstrip() in (ROOT / "docs" / "docker.md").read_text()


def test_readme_shows_the_basic_recipe_verbatim() -> None:
    basic = (ROOT / "docs" / "examples" / "basic.Dockerfile").read_text().rstrip()
    assert basic in (ROOT / "README.md").read_text()


def test_every_example_is_exercised_by_the_docker_tests() -> None:
    tests = "".join(
        (ROOT / "tests" / "docker" / name).read_text()
        for name in ("test_recipes.py", "test_ci_recipes.py")
    )
    for example in EXAMPLES:
        assert f'"{example.name}"' in tests, example.name


def test_benchmarks_md_shows_the_measured_table_and_chart() -> None:
    from benchmarks.install_speed import CHART
    from benchmarks.install_speed import RESULTS
    from benchmarks.report import table

    results = json.loads(RESULTS.read_text())
    docs = (ROOT / "docs" / "benchmarks.md").read_text()
    assert table(results) in docs
    assert f"]({CHART.name})" in docs
    assert CHART.read_bytes().startswith(b"\x89PNG")


def test_recipes_pin_the_tested_poetry_and_this_release() -> None:
    setup = (ROOT / "scripts" / "setup-venv.sh").read_text()
    newest = re.search(r"^POETRY_NEWEST=(\S+)$", setup, re.MULTILINE)
    assert newest is not None
    project = tomlkit.parse((ROOT / "pyproject.toml").read_text())["project"]
    for example in EXAMPLES:
        text = example.read_text()
        if "/opt/poetry/bin/pip install" not in text:
            continue
        assert f"ARG POETRY_VERSION={newest.group(1)}\n" in text, example.name
        assert '"poetry==${POETRY_VERSION}"' in text, example.name
        if "poetry-plugin-install-locked" in text:
            assert f"ARG PLUGIN_VERSION={project['version']}\n" in text, example.name
            assert re.search(
                r'"poetry-plugin-install-locked(\[uv\])?==\$\{PLUGIN_VERSION\}"', text
            )


def test_recipes_that_install_uv_pin_the_tested_uv() -> None:
    tested = re.search(
        r"^uv==(\S+)$", (ROOT / "requirements-test.txt").read_text(), re.MULTILINE
    )
    assert tested is not None
    for example in EXAMPLES:
        text = example.read_text()
        if '"uv==${UV_VERSION}"' in text:
            assert f"ARG UV_VERSION={tested.group(1)}\n" in text, example.name


def test_benchmarks_md_shows_the_measured_rebuild_table() -> None:
    from benchmarks.docker_rebuild import RESULTS
    from benchmarks.docker_rebuild import table

    docs = (ROOT / "docs" / "benchmarks.md").read_text()
    assert table(json.loads(RESULTS.read_text())) in docs


def test_the_macos_and_windows_jobs_run_the_newest_tested_poetry() -> None:
    """On Python 3.11 and 3.13; the Linux job runs the whole matrix."""
    setup = (ROOT / "scripts" / "setup-venv.sh").read_text()
    newest = re.search(r"^POETRY_NEWEST=(\S+)$", setup, re.MULTILINE)
    assert newest is not None
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    portable = workflow["jobs"]["portable"]
    assert portable["env"]["POETRY_VERSION"] == newest.group(1)
    assert portable["strategy"]["matrix"]["os"] == ["macos-latest", "windows-latest"]
    assert portable["strategy"]["matrix"]["python"] == ["3.11", "3.13"]


def test_benchmarks_md_shows_the_measured_pylock_table() -> None:
    from benchmarks.pylock_speed import RESULTS
    from benchmarks.pylock_speed import table

    docs = (ROOT / "docs" / "benchmarks.md").read_text()
    assert table(json.loads(RESULTS.read_text())) in docs
