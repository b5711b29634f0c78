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

import contextlib
import json
import os
import threading

from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from urllib.request import url2pathname

from cleo.io.null_io import NullIO
from poetry.core.constraints.version import Version
from poetry.utils.env import EnvManager
from poetry.utils.env import GenericEnv

from poetry_plugin_install_locked.exceptions import InstallLockedError
from poetry_plugin_install_locked.installed import site_packages
from poetry_plugin_install_locked.poetry_support import python_finder
from poetry_plugin_install_locked.poetry_support import python_finder_keeps_answers
from poetry_plugin_install_locked.poetry_support import python_version_errors
from poetry_plugin_install_locked.uv_venv import UvEnvManager


if TYPE_CHECKING:
    from cleo.io.io import IO
    from poetry.config.config import Config
    from poetry.poetry import Poetry
    from poetry.utils.env import Env


def select_environment(poetry: Poetry, io: IO, *, uv: str | None = None) -> Env:
    """Find or create the environment, as Poetry's `install` does (given `uv`,
    uv creates a new virtualenv, as Poetry would have)."""
    return _said(io, _manager(poetry, io, uv).create_venv())


def select_lock_only_environment(
    poetry: Poetry, io: IO, *, name_known: bool, uv: str | None = None
) -> Env:
    """Find or create the environment the later `poetry install` will use.

    Without the project's name, an env Poetry would create in its cache
    directory is created as `.venv` instead; and a Python the lock does not
    allow is reported in one line rather than Poetry's search log.
    """
    manager = _manager(poetry, io, uv)
    try:
        if _would_create(poetry, manager):
            _check_a_python_is_allowed(poetry)
            if not name_known:
                _create_in_project(poetry)
        env = manager.create_venv()
    except python_version_errors() as e:
        _check_existing_python(poetry, manager)
        raise InstallLockedError(str(e)) from e
    return _said(io, env)


def _manager(poetry: Poetry, io: IO, uv: str | None) -> EnvManager:
    return EnvManager(poetry, io=io) if uv is None else UvEnvManager(poetry, io, uv=uv)


def _said(io: IO, env: Env) -> Env:
    if env.is_venv() and io.is_verbose():
        io.write_error_line(f"Using virtualenv: <comment>{env.path}</>")
    return env


def start_looking_for_python(config: Config, directory: Path) -> None:
    """Where a virtualenv will be created beside the lock, start looking for the
    Python Poetry creates it with now, in a thread: that waits on interpreters
    while the lock is read, and Poetry (>= 2.1) keeps what they answered for
    when it creates the virtualenv. Nothing is created or printed."""
    if (
        not python_finder_keeps_answers()
        or not config.get("virtualenvs.create")
        or os.environ.get("VIRTUAL_ENV")
        or (directory / ".venv").exists()
    ):
        return

    def look() -> None:
        # The install looks again where this fails, and says why.
        with contextlib.suppress(Exception):
            python = python_finder().get_preferred_python(config, NullIO())
            python.executable, python.patch_version  # noqa: B018

    threading.Thread(target=look, daemon=True).start()


def _would_create(poetry: Poetry, manager: EnvManager) -> bool:
    """Whether Poetry would create a virtualenv rather than adopt one."""
    if not poetry.config.get("virtualenvs.create"):
        return False  # the system environment
    env = manager.get()
    # Poetry falls back to the system environment where it found no virtualenv
    # (asking that one whether it is a virtualenv costs an interpreter query).
    return isinstance(env, GenericEnv) or not env.is_venv()


def _check_existing_python(poetry: Poetry, manager: EnvManager) -> None:
    """Where Poetry refused the environment it would use as it is, for a Python
    the lock does not allow: say so in words that work without pyproject.toml
    (Poetry's own error says to run `poetry env use`, which needs it)."""
    env = manager.get()
    create = poetry.config.get("virtualenvs.create")
    if create and not (env.is_venv() and env.is_sane()):
        return  # Poetry will create one, with a Python it finds allowed
    version = ".".join(str(part) for part in env.version_info[:3])
    if poetry.package.python_constraint.allows(Version.parse(version)):
        return
    allowed = f"python-versions {poetry.package.python_versions} in poetry.lock"
    if not create:
        raise InstallLockedError(
            f"Python {version} ({env.path}) is not allowed by {allowed}, and"
            " virtualenvs.create is false: run with an interpreter (or base image)"
            " the lock allows."
        )
    if os.environ.get("VIRTUAL_ENV") and Path(os.environ["VIRTUAL_ENV"]) == env.path:
        raise InstallLockedError(
            f"The active virtualenv {env.path} has Python {version}, which {allowed}"
            " does not allow: deactivate it, or activate one with a Python the lock"
            " allows."
        )
    raise InstallLockedError(
        f"The virtualenv {env.path} has Python {version}, which {allowed} does not"
        " allow: remove it, and install-locked creates one with a Python the lock"
        " allows."
    )


def _check_a_python_is_allowed(poetry: Poetry) -> None:
    python = python_finder()
    preferred = python.get_preferred_python(poetry.config)
    if poetry.package.python_constraint.allows(preferred.patch_version):
        return
    try:
        python.get_compatible_python(poetry)
    except python_version_errors():
        raise InstallLockedError(
            f"Python {preferred.patch_version} is not allowed by python-versions"
            f" {poetry.package.python_versions} in poetry.lock, and Poetry found no"
            " Python that is: run with an interpreter (or base image) the lock allows."
        ) from None


def _create_in_project(poetry: Poetry) -> None:
    config = poetry.config
    if config.get("virtualenvs.in-project") is False:
        raise InstallLockedError(
            "virtualenvs.in-project is false, so `poetry install` would create its"
            f" virtualenv in {config.virtualenvs_path} under the project's name,"
            " which poetry.lock does not hold: pass --project-name NAME"
            " (the name in pyproject.toml) or set virtualenvs.in-project to true."
        )
    config.merge({"virtualenvs": {"in-project": True}})


def installed_project(env: Env, directory: Path) -> str | None:
    """The name of the distribution installed from `directory`, if any.

    That is the project itself, as `poetry install` installs it (editable, its
    direct_url naming the project directory), which lock-only mode cannot name
    otherwise and `--sync` must spare. The URL names the directory as the
    install was run from it, which can differ from `directory` in spelling
    alone: a symlink on the way (macOS's /tmp and /var), a Windows short name
    (C:\\Users\\RUNNER~1), a junction, a drive letter's case. So the two are
    compared as files.
    """
    for dist in metadata.distributions(path=site_packages(env)):
        try:
            reference = json.loads(dist.read_text("direct_url.json") or "{}")
        except ValueError:
            continue
        url = reference.get("url") if isinstance(reference, dict) else None
        if isinstance(url, str) and _same_directory(url, directory):
            return str(dist.metadata["Name"])
    return None


def _same_directory(url: str, directory: Path) -> bool:
    parts = urlsplit(url)
    if parts.scheme != "file":
        return False
    try:
        return Path(url2pathname(parts.path)).samefile(directory)
    except (OSError, ValueError):
        return False


def target_environment(poetry: Poetry, io: IO) -> Env:
    """The environment the installer would use, without creating one: an active
    or existing virtualenv, else the Python Poetry runs on (in an image, the
    base image's), whose markers are those of the virtualenv it would create."""
    return EnvManager(poetry, io=io).get()
