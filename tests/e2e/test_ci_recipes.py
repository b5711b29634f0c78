"""The CI recipes in docs/examples: a dependency cache keyed on poetry.lock alone.

Their cache keys are checked, and their poetry commands run, in order, as the CI
job would: once cold, then after a version bump on a checkout whose `.venv` was
restored from the cache, where nothing is reinstalled.
"""

from __future__ import annotations

import shlex
import shutil

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import copy_project
from tests.support.poetry_cli import Poetry
from tests.support.poetry_cli import installed_set
from tests.support.poetry_cli import names


pytestmark = pytest.mark.e2e

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def github_actions() -> tuple[dict[str, Any], list[str]]:
    steps = yaml.safe_load((EXAMPLES / "github-actions.yml").read_text())["jobs"][
        "test"
    ]["steps"]
    cache = next(
        step for step in steps if step.get("uses", "").startswith("actions/cache")
    )
    return cache["with"], [step["run"] for step in steps if "run" in step]


def gitlab_ci() -> tuple[dict[str, Any], list[str]]:
    job = yaml.safe_load((EXAMPLES / "gitlab-ci.yml").read_text())["test"]
    settings = [f"poetry config {k.lower()} {v}" for k, v in job["variables"].items()]
    return job["cache"], [*job["before_script"], *settings, *job["script"]]


def test_github_actions_keys_the_venv_cache_on_poetry_lock_alone() -> None:
    cache, _ = github_actions()
    assert cache["path"] == ".venv"
    assert "hashFiles('poetry.lock')" in cache["key"]
    assert cache["key"].count("hashFiles") == 1


def test_gitlab_ci_keys_the_venv_cache_on_poetry_lock_alone() -> None:
    cache, _ = gitlab_ci()
    assert cache == {"key": {"files": ["poetry.lock"]}, "paths": [".venv"]}


def run_poetry_steps(
    commands: list[str], poetry: Poetry, project: Path, config: Path
) -> str:
    """Run the recipe's poetry commands (the tool installs and the test run aside)."""
    output = ""
    for command in commands:
        words = shlex.split(command)
        if words[0] != "poetry" or words[1] == "run":
            continue
        if words[1] == "config":
            words[2] = (
                words[2]
                .replace("poetry_virtualenvs_", "virtualenvs.")
                .replace("_", "-")
            )
        result = poetry.run(*words[1:], cwd=project, POETRY_CONFIG_DIR=str(config))
        output += result.stdout
    return output


@pytest.mark.parametrize(
    "recipe", [github_actions, gitlab_ci], ids=["github", "gitlab"]
)
def test_ci_recipe_commands_reuse_the_cached_venv_after_a_version_bump(
    recipe: Any, app_template: Path, poetry: Poetry, tmp_path: Path
) -> None:
    _, commands = recipe()
    config = tmp_path / "config"
    first = copy_project(app_template, tmp_path / "first")
    run_poetry_steps(commands, poetry, first, config)
    assert {"devtool", "app"} <= names(installed_set(first / ".venv"))

    second = copy_project(app_template, tmp_path / "second")
    poetry.run("version", "patch", cwd=second)
    assert (second / "poetry.lock").read_bytes() == (first / "poetry.lock").read_bytes()
    shutil.copytree(first / ".venv", second / ".venv", symlinks=True)  # cache restored
    output = run_poetry_steps(commands, poetry, second, config)
    assert "Package operations" not in output
