"""The release: what `python -m build` makes installs beside Poetry in a fresh
virtualenv, as a user outside this repository installs it, and works there."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

from importlib.metadata import version
from typing import TYPE_CHECKING

import pytest

from tests.support import venvs
from tests.support.distributions import ROOT
from tests.support.distributions import build_plugin
from tests.support.distributions import poetry_wheels
from tests.support.distributions import poetry_wheels_problem
from tests.support.poetry_cli import PYTHON
from tests.support.poetry_cli import Poetry
from tests.support.poetry_cli import installed_set
from tests.support.poetry_cli import names
from tests.support.projects import lock_only_copy
from tests.support.pypi import PyPIStandIn


if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        sys.platform != "linux",
        reason="installs the Poetry wheels scripts/poetry-wheels.sh downloads:"
        " manylinux ones, for the Docker tests' Linux images",
    ),
]


@pytest.fixture(scope="module")
def released_poetry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with Poetry and the plugin's built wheel, offline."""
    if problem := poetry_wheels_problem():
        pytest.fail(problem)
    dists = build_plugin(tmp_path_factory.mktemp("dists"))
    plugin = version("poetry-plugin-install-locked")
    assert sorted(p.name for p in dists) == [
        f"poetry_plugin_install_locked-{plugin}-py3-none-any.whl",
        f"poetry_plugin_install_locked-{plugin}.tar.gz",
    ]
    venv = tmp_path_factory.mktemp("released") / "venv"
    subprocess.run([str(PYTHON), "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [
            str(venvs.python(venv)),
            "-m",
            "pip",
            "install",
            "-q",
            "--no-index",
            "--only-binary=:all:",
            "--find-links",
            str(poetry_wheels()),
            "--find-links",
            str(dists[0].parent),
            f"poetry=={version('poetry')}",
            f"poetry-plugin-install-locked=={plugin}",
        ],
        check=True,
    )
    return venv


def test_the_built_wheel_is_what_runs(released_poetry: Path) -> None:
    where = subprocess.run(
        [
            str(venvs.python(released_poetry)),
            "-c",
            "import poetry_plugin_install_locked as p; print(p.__file__)",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert where.startswith(str(released_poetry))


def test_install_locked_works_from_the_released_plugin(
    released_poetry: Path, app_template: Path, poetry: Poetry, tmp_path: Path
) -> None:
    executable = venvs.command(venvs.scripts(released_poetry), "poetry")
    released = Poetry(poetry.home, poetry.extra_env, executable)
    locked = lock_only_copy(app_template, tmp_path / "locked")

    result = released.run("install-locked", "--only", "main", cwd=locked)

    assert "Installing the locked groups: main" in result.stdout
    assert {"alpha", "secretpkg", "gitpkg", "urlpkg"} <= names(
        installed_set(locked / ".venv")
    )


def readme_install_blocks() -> list[str]:
    """The README's commands that install without the release: its bash blocks
    before it says what changes once the release is on PyPI."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Install\n", 1)[1].split("**Once", 1)[0]
    return re.findall(r"```bash\n(.*?)```", section, re.DOTALL)


@pytest.fixture(scope="module")
def pypi(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PyPIStandIn]:
    """PyPI as `poetry self add` and pip reach it: Poetry's wheels, for every
    platform Poetry resolves its own environment for."""
    if problem := poetry_wheels_problem():
        pytest.fail(problem)
    standin = PyPIStandIn(tmp_path_factory.mktemp("pypi"))
    standin.add_wheels(sorted(poetry_wheels().glob("**/*.whl")))
    standin.start()
    yield standin
    standin.stop()


def test_the_readmes_install_commands_work_as_written(
    pypi: PyPIStandIn, poetry: Poetry, tmp_path: Path
) -> None:
    """From a clone (this tree), into a throwaway Poetry's own environment with
    `poetry self add`, then beside a Poetry installed with pip."""
    clone_and_add, pip_install = readme_install_blocks()
    if f"poetry=={version('poetry')} " not in pip_install:
        pytest.skip(
            f"the README installs another Poetry than this suite's {version('poetry')}"
        )
    clone = tmp_path / "poetry-plugin-install-locked"
    copy_tree(clone)
    poetry_venv = fresh_poetry(tmp_path / "poetry-venv")
    env = Poetry(tmp_path / "home", {}).env(
        **pypi.env(), PIP_CERT=str(pypi.ca_bundle), PIP_CONFIG_FILE=os.devnull
    )

    commands = [c for c in clone_and_add.splitlines() if not c.startswith("git clone")]
    run_bash(commands, tmp_path, env, poetry_venv)
    assert_install_locked_runs(poetry_venv, env)

    pip_venv = tmp_path / "pip-venv"
    subprocess.run([str(PYTHON), "-m", "venv", str(pip_venv)], check=True)
    run_bash(pip_install.splitlines(), clone, env, pip_venv)
    assert_install_locked_runs(pip_venv, env)


def copy_tree(destination: Path) -> None:
    """The files a clone of this tree holds."""
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split("\0")
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, destination / name)


def fresh_poetry(venv: Path) -> Path:
    """This suite's Poetry in a virtualenv of its own, installed offline."""
    subprocess.run([str(PYTHON), "-m", "venv", str(venv)], check=True)
    pip = [str(venvs.python(venv)), "-m", "pip", "install", "-q", "--no-index"]
    subprocess.run(
        [*pip, "--find-links", str(poetry_wheels()), f"poetry=={version('poetry')}"],
        check=True,
    )
    return venv


def run_bash(commands: list[str], cwd: Path, env: dict[str, str], venv: Path) -> None:
    """The commands in one shell, `venv`'s commands first on PATH."""
    path = os.pathsep.join([str(venvs.scripts(venv)), env["PATH"]])
    result = subprocess.run(
        ["bash", "-euc", "\n".join(commands)],
        check=False,
        cwd=cwd,
        env={**env, "PATH": path},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def assert_install_locked_runs(venv: Path, env: dict[str, str]) -> None:
    result = subprocess.run(
        [str(venvs.command(venvs.scripts(venv), "poetry")), "install-locked", "--help"],
        check=False,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "Installs the project dependencies from poetry.lock alone" in result.stdout
