"""The selection command: what both commands share. The project in its mode,
the selection of groups and extras checked as Poetry checks it, and every
InstallLockedError rendered as one line."""

from __future__ import annotations

import atexit
import gc

from typing import TYPE_CHECKING
from typing import ClassVar

from cleo.formatters.formatter import Formatter
from cleo.helpers import option
from packaging.utils import canonicalize_name
from poetry.console.commands.group_command import GroupCommand

from poetry_plugin_install_locked.exceptions import InstallLockedError
from poetry_plugin_install_locked.poetry_support import check_poetry_supported
from poetry_plugin_install_locked.poetry_support import group_options
from poetry_plugin_install_locked.poetry_support import project_directory
from poetry_plugin_install_locked.project import load_project


if TYPE_CHECKING:
    from cleo.io.inputs.option import Option
    from packaging.utils import NormalizedName
    from poetry.poetry import Poetry

    from poetry_plugin_install_locked.project import Project


SELECTION_OPTIONS: list[Option] = [
    *group_options(),
    option(
        "extras",
        "E",
        "Extra sets of dependencies to install.",
        flag=False,
        multiple=True,
    ),
    option("all-extras", None, "Install all extra dependencies."),
    option("all-groups", None, "Install dependencies from all groups."),
]
GROUP_OPTIONS = ("only", "with", "without")


def collect_nothing_at_exit() -> None:
    """Python's exit collects the whole heap once more, a tenth of a second
    after an install of a large lock, to free what the process ends with
    anyway: at exit, what is alive is frozen out of that collection first.
    Registered once, however often a command runs in this process."""
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)


class SelectionCommand(GroupCommand):
    """A command over a selection of the lock's groups and extras, in the
    project's mode (pyproject.toml's, or the stub made from poetry.lock alone)."""

    # Whether the command installs, and so may create a virtualenv beside a
    # lock: only then is the Python for it looked for while the lock is read.
    installs: ClassVar[bool] = False

    def __init__(self) -> None:
        super().__init__()
        self._project: Project | None = None

    @property
    def project(self) -> Project:
        if self._project is None:
            application = self.get_application()
            self._project = load_project(
                project_directory(application),
                self.io,
                real_poetry=lambda: application.poetry,
                project_name=self.project_name,
                disable_cache=bool(self.option("no-cache")),
                looks_for_python=self.installs,
            )
        return self._project

    @property
    def poetry(self) -> Poetry:
        """The real project beside pyproject.toml, else the stub made from the lock."""
        return self.project.poetry

    @property
    def project_name(self) -> str | None:
        return None

    def handle(self) -> int:
        collect_nothing_at_exit()
        try:
            check_poetry_supported()
            return self.run_command()
        except InstallLockedError as e:
            if self.io.is_debug():
                raise
            # One line, even where the lock's own text (a URL, a name) has
            # breaks or looks like console markup.
            message = Formatter.escape(" ".join(str(e).split()))
            self.line_error(f"<error>{message}</>")
            return 1

    def run_command(self) -> int:
        raise NotImplementedError

    def warn(self, warning: str | None) -> None:
        """One line, as an error is: a warning names the lock's own text too."""
        if warning is not None:
            message = Formatter.escape(" ".join(warning.split()))
            self.line_error(f"<warning>Warning: {message}</warning>")

    @property
    def chose_groups(self) -> bool:
        return any(self.option(key) for key in (*GROUP_OPTIONS, "all-groups"))

    def selection(self) -> tuple[set[NormalizedName], list[str]]:
        """The groups and extras asked for, checked as Poetry checks them."""
        if self.option("extras") and self.option("all-extras"):
            raise InstallLockedError(
                "You cannot specify explicit --extras while installing"
                " using --all-extras."
            )
        chose = [key for key in GROUP_OPTIONS if self.option(key)]
        if chose and self.option("all-groups"):
            raise InstallLockedError(
                "You cannot specify --with, --without, or --only"
                " when using --all-groups."
            )
        self._check_groups()
        groups = {canonicalize_name(group) for group in self.activated_groups}
        return groups, self._extras()

    def _check_groups(self) -> None:
        """Unknown groups: Poetry's error, plus the names the project knows."""
        package = self.poetry.package
        requested = {
            group.strip()
            for key in GROUP_OPTIONS
            for value in self.option(key)
            for group in value.split(",")
        }
        unknown = sorted(g for g in requested if not package.has_dependency_group(g))
        if unknown:
            known = ", ".join(
                sorted(package.dependency_group_names(include_optional=True))
            )
            raise InstallLockedError(
                f"Group(s) not found: {', '.join(unknown)}"
                f" ({self.project.origin} knows: {known or 'no groups'})."
            )

    def _extras(self) -> list[str]:
        known = self.poetry.package.extras
        if self.option("all-extras"):
            return list(known)
        extras = [extra for value in self.option("extras") for extra in value.split()]
        unknown = [e for e in extras if canonicalize_name(e) not in known]
        if unknown:
            raise InstallLockedError(
                f"Extra(s) not found: {', '.join(unknown)}"
                f" ({self.project.origin} knows:"
                f" {', '.join(sorted(known)) or 'no extras'})."
            )
        return extras
