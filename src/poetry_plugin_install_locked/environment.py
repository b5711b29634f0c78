"""The environment choice: install where the later `poetry install` will look.

Poetry names its cache-dir virtualenvs after the project (name and directory
hash), and the lock does not hold the name. Every other place Poetry would use
(an active virtualenv, the system environment, an existing or configured
in-project `.venv`) needs no name. So lock-only mode creates `.venv` beside the
lock where Poetry would create a cache-dir virtualenv: Poetry adopts an existing
`.venv` unless virtualenvs.in-project is false, and then the user must name the
project.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from poetry.utils.env import EnvManager

from poetry_plugin_install_locked.exceptions import InstallLockedError
from poetry_plugin_install_locked.poetry_api import python_version_errors


if TYPE_CHECKING:
    from cleo.io.io import IO
    from poetry.poetry import Poetry
    from poetry.utils.env import Env


def select_environment(poetry: Poetry, io: IO, *, name_known: bool) -> Env:
    """Find or create the environment, as Poetry's `install` would.

    With `name_known` false (lock-only mode without --project-name), an env
    Poetry would create in its cache directory is created as `.venv` instead.
    """
    manager = EnvManager(poetry, io=io)
    if not name_known:
        _create_in_project(poetry, manager)
    try:
        env = manager.create_venv()
    except python_version_errors() as e:
        raise InstallLockedError(" ".join(str(e).split())) from e

    if env.is_venv() and io.is_verbose():
        io.write_error_line(f"Using virtualenv: <comment>{env.path}</>")
    return env


def _create_in_project(poetry: Poetry, manager: EnvManager) -> None:
    config = poetry.config
    if not config.get("virtualenvs.create"):
        return  # the system environment: no name needed
    if manager.get().is_venv():
        return  # an active virtualenv or an existing .venv: Poetry adopts it
    if config.get("virtualenvs.in-project") is False:
        raise InstallLockedError(
            "virtualenvs.in-project is false, so `poetry install` would create its"
            f" virtualenv in {config.virtualenvs_path} under the project's name,"
            " which poetry.lock does not hold: pass --project-name NAME"
            " (the name in pyproject.toml) or set virtualenvs.in-project to true."
        )
    config.merge({"virtualenvs": {"in-project": True}})
