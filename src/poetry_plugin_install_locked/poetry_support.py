"""The supported Poetry: what the plugin relies on, checked before anything runs.

The plugin leans on a few Poetry internals, each in the module of its concept
(lock_only, executors, artifacts, package_sources, environment, resolution). Every one of
them is listed in INTERNALS and checked here first, so that a Poetry release
that renames one is reported as unsupported, in one line naming the Poetry
version, never as a problem of the user's lock. What differs between the
supported versions is bridged here too.
"""

from __future__ import annotations

import inspect

from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from cachecontrol.adapter import CacheControlAdapter
from cachecontrol.controller import CacheController
from poetry.config.config import Config
from poetry.console.application import Application
from poetry.console.commands.group_command import GroupCommand
from poetry.core.constraints.version import Version
from poetry.factory import Factory
from poetry.installation.chooser import Chooser
from poetry.installation.executor import Executor
from poetry.installation.installer import Installer
from poetry.installation.operations import Install
from poetry.packages.locker import Locker
from poetry.plugins.plugin_manager import PluginManager
from poetry.puzzle.provider import Provider
from poetry.puzzle.solver import Solver
from poetry.puzzle.transaction import Transaction
from poetry.repositories import RepositoryPool
from poetry.repositories.http_repository import HTTPRepository
from poetry.repositories.link_sources.base import LinkSource
from poetry.repositories.link_sources.html import HTMLPage
from poetry.repositories.link_sources.json import SimpleJsonPage
from poetry.repositories.repository import Repository
from poetry.utils.authenticator import Authenticator
from poetry.utils.env import Env
from poetry.utils.env import EnvManager
from poetry.utils.env.site_packages import SitePackages
from poetry.utils.password_manager import PasswordManager
from poetry.utils.wheel import Wheel
from requests.adapters import HTTPAdapter

from poetry_plugin_install_locked.exceptions import InstallLockedError
from poetry_plugin_install_locked.exceptions import unsupported_poetry_message


if TYPE_CHECKING:
    import requests

    from cleo.io.inputs.option import Option
    from cleo.io.io import IO
    from poetry.poetry import Poetry


@dataclass(frozen=True)
class Internal:
    """A Poetry attribute the plugin relies on, and the parameters it passes.

    An attribute set on instances is found among the names its owner's
    `__init__` assigns, where the class itself does not hold it.
    """

    owner: type[Any]
    name: str
    parameters: tuple[str, ...] = ()
    instance: bool = False

    def __str__(self) -> str:
        return f"{self.owner.__name__}.{self.name}"

    def problem(self) -> str | None:
        if self.instance:
            init = inspect.getattr_static(self.owner, "__init__", None)
            code = getattr(init, "__code__", None)
            if code is None or self.name not in code.co_names:
                return f"it has no {self}"
            return None
        member = inspect.getattr_static(self.owner, self.name, None)
        if member is None:
            return f"it has no {self}"
        if not self.parameters:
            return None
        try:
            accepted = inspect.signature(getattr(self.owner, self.name)).parameters
        except (TypeError, ValueError):
            return f"{self} cannot be inspected"
        missing = [p for p in self.parameters if p not in accepted]
        if missing:
            return f"{self} takes no {', '.join(missing)}"
        return None


# What the plugin relies on. Parameters are named where the plugin passes them
# by keyword, or where a parameter of another name would take its place.
INTERNALS = (
    Internal(Locker, "_get_locked_package"),
    Internal(Locker, "lock_data"),
    Internal(Locker, "locked_repository"),
    Internal(Locker, "is_locked_groups_and_markers"),
    Internal(Locker, "_lock_packages"),
    Internal(Solver, "__init__", ("active_root_extras",)),
    Internal(Solver, "solve"),
    Internal(Solver, "use_environment"),
    Internal(Solver, "provider"),
    Internal(Provider, "load_deferred"),
    Internal(Transaction, "get_solved_packages"),
    Internal(Transaction, "calculate_operations", ("with_uninstalls", "extras")),
    Internal(Installer, "__init__", ("executor", "disable_cache")),
    Internal(Executor, "__init__", ("disable_cache",)),
    Internal(Executor, "enabled"),
    Internal(Executor, "_env", instance=True),
    Internal(Executor, "_io", instance=True),
    Internal(Executor, "_save_url_reference"),
    Internal(Executor, "_execute_install"),
    Internal(Executor, "_execute_update"),
    Internal(Executor, "_execute_uninstall"),
    Internal(Executor, "enable_bytecode_compilation"),
    Internal(Install, "__init__", ("package", "priority")),
    Internal(Chooser, "choose_for"),
    Internal(Wheel, "tags", instance=True),
    # The chooser ranks a wheel by `env.supported_tags.index(tag)`, which the
    # artifact choice answers from a table (artifacts.RankedTags).
    Internal(Wheel, "get_minimum_supported_index"),
    Internal(Env, "supported_tags"),
    Internal(Repository, "find_links_for_package"),
    Internal(RepositoryPool, "__init__", ("config",)),
    Internal(RepositoryPool, "all_repositories"),
    Internal(RepositoryPool, "from_packages"),
    Internal(Factory, "create_pool", ("disable_cache",)),
    Internal(EnvManager, "__init__", ("io",)),
    Internal(EnvManager, "create_venv"),
    Internal(
        EnvManager, "build_venv", ("path", "executable", "flags", "with_pip", "prompt")
    ),
    Internal(EnvManager, "get"),
    Internal(SitePackages, "distributions", ("name", "writable_only")),
    Internal(PasswordManager, "get_http_auth"),
    # The pylock writer's lookups: Poetry's session for a source, the page
    # classes that read what it answers, and the bound on parallel requests.
    Internal(HTTPRepository, "session"),
    Internal(Authenticator, "request", ("raise_for_status",)),
    Internal(Authenticator, "get"),
    Internal(Authenticator, "get_credentials_for_url"),
    Internal(Authenticator, "get_session", ("url",)),
    Internal(Authenticator, "delete_cache"),
    # Poetry's HTTP cache, asked what it holds fresh without a request.
    Internal(CacheControlAdapter, "controller", instance=True),
    Internal(CacheController, "cached_request", ("request",)),
    Internal(RepositoryPool, "repository"),
    Internal(HTMLPage, "__init__", ("url", "content")),
    Internal(SimpleJsonPage, "__init__", ("url", "content")),
    Internal(LinkSource, "links_for_version"),
    Internal(Config, "installer_max_workers"),
    Internal(PluginManager, "ensure_project_plugins"),
    Internal(Config, "create", ("reload",)),
    Internal(GroupCommand, "_group_dependency_options"),
    Internal(GroupCommand, "activated_groups"),
)


class UnsupportedPoetryError(InstallLockedError):
    """The running Poetry lacks an internal this plugin version relies on."""


def check_poetry_supported() -> None:
    """Stop with one line if this Poetry lacks an internal the plugin uses."""
    problems = [p for internal in INTERNALS if (p := internal.problem())]
    if not any(
        inspect.getattr_static(Application, name, None) is not None
        for name in ("project_directory", "_project_directory")
    ):
        problems.append("it has no Application.project_directory")
    try:
        python = python_finder()
        python_version_errors()
    except ImportError as e:
        problems.append(f"it has no {e.name}")
    else:
        problems += [
            f"it has no Python.{name}"
            for name in ("get_preferred_python", "get_compatible_python")
            if inspect.getattr_static(python, name, None) is None
        ]
    if problems:
        raise unsupported_poetry("; ".join(problems))


def unsupported_poetry(problem: str) -> UnsupportedPoetryError:
    return UnsupportedPoetryError(unsupported_poetry_message(problem))


def group_options() -> list[Option]:
    """Poetry's --with/--without/--only, as its own install command declares them.

    Read when the command class is defined, so a Poetry without them must not
    fail the plugin's import: check_poetry_supported() reports it instead.
    """
    options = getattr(GroupCommand, "_group_dependency_options", None)
    return list(options()) if options is not None else []


def executor_options(poetry: Poetry) -> dict[str, object]:
    """The options `poetry install` builds its executor with, as this Poetry
    takes them (build constraints from 2.3)."""
    options: dict[str, object] = {"disable_cache": poetry.disable_cache}
    if "build_constraints" in inspect.signature(Executor).parameters:
        options["build_constraints"] = poetry.build_constraints
    return options


def virtualenv_takes_interpreter() -> bool:
    """Whether Poetry asks virtualenv for the interpreter it chose in a way
    virtualenv >= 20.33 follows: from 2.2 (2.0 and 2.1 pass --try-first-with,
    which it ignores, taking the one it runs on)."""
    return Version.parse(version("poetry")) >= Version.parse("2.2")


def page_headers(repository: HTTPRepository) -> dict[str, str]:
    """The headers Poetry asks a package index's project pages with: from 2.3,
    JSON preferred; before, none (an index's HTML, with each file's hash)."""
    headers = getattr(repository, "_get_prefer_json_header", None)
    return dict(headers()) if headers is not None else {}


def fresh_in_cache(
    session: requests.Session, request: requests.PreparedRequest
) -> requests.Response | None:
    """The response Poetry's HTTP cache (CacheControl) holds for `request`
    while the server lets it stay fresh, without asking the server; None where
    it holds none, or a stale one, or Poetry caches nothing (--no-cache)."""
    adapter = session.get_adapter(request.url or "")
    if not isinstance(adapter, CacheControlAdapter):
        return None
    try:
        cached = adapter.controller.cached_request(request)
    except Exception:  # noqa: BLE001 - a damaged entry: the server is asked
        return None
    if not cached:
        return None
    response = HTTPAdapter.build_response(adapter, request, cached)
    response.from_cache = True  # type: ignore[attr-defined]  # as CacheControl marks it
    return response


def requests_timeout() -> int:
    """How long Poetry waits for an index (POETRY_REQUESTS_TIMEOUT); its
    default where a Poetry keeps it elsewhere."""
    from poetry.utils import constants

    return int(getattr(constants, "REQUESTS_TIMEOUT", 15))


def ensure_project_plugins(poetry: Poetry, io: IO) -> None:
    """The project's own required plugins, as `poetry install` ensures them."""
    PluginManager.ensure_project_plugins(poetry, io)


def keyring_preflight(io: IO, config: Config) -> None:
    """Poetry checks the keyring backend before installing (Poetry >= 2.1)."""
    from poetry.utils.password_manager import PoetryKeyring

    preflight = getattr(PoetryKeyring, "preflight_check", None)
    if preflight is not None:
        preflight(io, config)


def python_version_errors() -> tuple[type[Exception], ...]:
    """The errors EnvManager raises when no allowed Python can be used."""
    try:
        from poetry.utils.env.python.exceptions import PythonVersionError
    except ImportError:  # Poetry < 2.1 kept them with the other env errors
        from poetry.utils.env import InvalidCurrentPythonVersionError  # type: ignore[attr-defined, unused-ignore]
        from poetry.utils.env import NoCompatiblePythonVersionFoundError  # type: ignore[attr-defined, unused-ignore]

        return (InvalidCurrentPythonVersionError, NoCompatiblePythonVersionFoundError)
    return (PythonVersionError,)


def python_finder() -> Any:
    """Poetry's interpreter discovery class (moved in Poetry 2.1)."""
    try:
        from poetry.utils.env.python import Python
    except ImportError:
        from poetry.utils.env.python_manager import Python  # type: ignore[import-not-found, no-redef, unused-ignore]
    return Python


def python_finder_keeps_answers() -> bool:
    """Whether Poetry's discovery keeps what each interpreter answered, for the
    whole run (Poetry >= 2.1, through findpython); Poetry 2.0 asks every time."""
    return bool(python_finder().__module__.startswith("poetry.utils.env.python."))


def project_directory(application: Application) -> Path:
    """The directory named by -P/-C, or the working directory (public in 2.1)."""
    directory = getattr(application, "project_directory", None)
    if directory is None:  # Poetry 2.0
        directory = application._project_directory
    assert isinstance(directory, Path)
    return directory
