"""The plugin's commands: thin cleo commands that parse options and delegate."""

from __future__ import annotations

import atexit
import gc

from typing import TYPE_CHECKING
from typing import ClassVar

from cleo.formatters.formatter import Formatter
from cleo.helpers import option
from packaging.utils import canonicalize_name
from poetry.console.commands.group_command import GroupCommand

from poetry_plugin_install_locked.environment import installed_project
from poetry_plugin_install_locked.environment import select_environment
from poetry_plugin_install_locked.exceptions import InstallLockedError
from poetry_plugin_install_locked.executors import create_installer
from poetry_plugin_install_locked.lock_file import check_local_paths
from poetry_plugin_install_locked.lock_file import missing_directory
from poetry_plugin_install_locked.poetry_support import check_poetry_supported
from poetry_plugin_install_locked.poetry_support import ensure_project_plugins
from poetry_plugin_install_locked.poetry_support import group_options
from poetry_plugin_install_locked.poetry_support import keyring_preflight
from poetry_plugin_install_locked.poetry_support import project_directory
from poetry_plugin_install_locked.project import Project
from poetry_plugin_install_locked.project import load_project
from poetry_plugin_install_locked.stub_manifest import build_stub_package
from poetry_plugin_install_locked.uv_executor import UvExecutor
from poetry_plugin_install_locked.uv_executor import installer_choice


if TYPE_CHECKING:
    from cleo.io.inputs.option import Option
    from packaging.utils import NormalizedName
    from poetry.poetry import Poetry


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


def collect_nothing_at_exit() -> None:
    """Python's exit collects the whole heap once more, a tenth of a second
    after an install of a large lock, to free what the process ends with
    anyway: at exit, what is alive is frozen out of that collection first.
    Registered once, however often a command runs in this process."""
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)


class LockCommand(GroupCommand):
    """What both commands share: the project (pyproject.toml's, or the stub made
    from poetry.lock alone), the selection and its checks, and one-line errors."""

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

    def selection(self) -> tuple[set[NormalizedName], list[str]]:
        """The groups and extras asked for, checked as Poetry checks them."""
        if self.option("extras") and self.option("all-extras"):
            raise InstallLockedError(
                "You cannot specify explicit --extras while installing"
                " using --all-extras."
            )
        chose = [key for key in ("only", "with", "without") if self.option(key)]
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
            for key in ("with", "without", "only")
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
                f" ({self._origin} knows: {known or 'no groups'})."
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
                f" ({self._origin} knows: {', '.join(sorted(known)) or 'no extras'})."
            )
        return extras

    @property
    def _origin(self) -> str:
        return "poetry.lock" if self.project.lock_only else "the project"

    def warn_if_every_group_is_selected(self) -> None:
        """Without pyproject.toml and without a choice, every group is selected."""
        lock = self.project.lock
        chose = any(
            self.option(key) for key in ("only", "with", "without", "all-groups")
        )
        if lock is not None and not chose and len(lock.groups) > 1:
            self.line_error(
                "<warning>Warning: poetry.lock does not record which groups are"
                " optional, so without pyproject.toml all of them"
                f" ({', '.join(lock.groups)}) are selected: narrow them with"
                " --only main (or --without NAME), or slice the lock beside"
                " pyproject.toml to have them as declared (the exact slice"
                " recipe, docs/docker.md).</warning>"
            )

    def warn_if_poetry_would_re_resolve(self) -> None:
        """Without pyproject.toml the lock's groups and markers decide; the later
        `poetry install` resolves again where Poetry's configuration says so."""
        if self.project.re_resolve_ignored:
            self.line_error(
                "<warning>Warning: installer.re-resolve is true (Poetry's default"
                " before 2.3), so `poetry install` beside pyproject.toml resolves"
                " again for its environment, where without pyproject.toml the lock's"
                " groups and markers decide, and the two can differ: set"
                " installer.re-resolve to false (POETRY_INSTALLER_RE_RESOLVE=false)"
                " for both (docs/usage.md).</warning>"
            )


class InstallLockedCommand(LockCommand):
    name = "install-locked"
    description = (
        "Installs the project dependencies from poetry.lock alone"
        " (like <info>install --no-root</>)."
    )
    installs = True

    options: ClassVar[list[Option]] = [
        *SELECTION_OPTIONS,
        option(
            "sync",
            None,
            "Synchronize the environment with the locked packages and the"
            " specified groups.",
        ),
        option(
            "no-directory",
            None,
            "Do not install any directory path dependencies.",
        ),
        option(
            "dry-run",
            None,
            "Output the operations but do not execute anything"
            " (implicitly enables --verbose).",
        ),
        option("compile", None, "Compile Python source files to bytecode."),
        option(
            "installer",
            None,
            "What installs the packages Poetry chose: poetry (its own executor)"
            " or uv (packages from an index; needs uv). Default: the"
            " POETRY_INSTALL_LOCKED_INSTALLER variable, else poetry.",
            flag=False,
        ),
        option(
            "project-name",
            None,
            "Without pyproject.toml: the project's name, for the virtualenv"
            " (its directory's name by default; needed if virtualenvs.in-project"
            " is false).",
            flag=False,
        ),
    ]

    help = """\
The <info>install-locked</info> command installs the dependencies recorded in
<comment>poetry.lock</>, the packages <info>poetry install --no-root</> would install, and
never the project itself.

Beside <comment>pyproject.toml</> it runs <info>poetry install --no-root</>. In a directory that
holds <comment>poetry.lock</> and no <comment>pyproject.toml</> (a Docker layer that must not
change when the project's version does), it reads the groups, extras, markers and
sources from the lock (lock-version 2.1, written by Poetry >= 2.0). The lock does
not say which groups are optional, so there every locked group is installed by
default: narrow them with <info>--only main</> or <info>--without</>.

<info>poetry install-locked --only main</>
"""

    @property
    def project_name(self) -> str | None:
        name: str | None = self.option("project-name")
        return name

    def run_command(self) -> int:
        project = self.project
        poetry, lock = project.poetry, project.lock
        if lock is None:
            if self.project_name is not None:
                self.line_error(
                    "<warning>Warning: --project-name is ignored beside pyproject.toml,"
                    f" which names the project {poetry.package.pretty_name}.</warning>"
                )
            if not self.option("no-plugins"):
                ensure_project_plugins(poetry, self.io)
        else:
            check_local_paths(lock, skip_directories=self.option("no-directory"))
        groups, extras = self.selection()
        uv = None
        if installer_choice(self.option("installer")) == "uv":
            uv = UvExecutor(poetry, self.io, compile_bytecode=self.option("compile"))

        keyring_preflight(self.io, poetry.config)
        env = select_environment(
            poetry,
            self.io,
            lock_only=lock is not None,
            name_known=self.project_name is not None,
            uv=uv.binary if uv is not None else None,
        )
        if lock is not None:
            selected = [g for g in lock.groups if g in groups]
            self.line(f"Installing the locked groups: <c1>{', '.join(selected)}</>")
            self.warn_if_every_group_is_selected()
        package = poetry.package
        # --sync spares the project itself, as `poetry install --sync` would.
        if (
            lock is not None
            and self.option("sync")
            and (name := installed_project(env, lock.path.parent))
        ):
            package = build_stub_package(lock, name)
        deferral = None
        if uv is not None:
            uv.bind(env)
            deferral = (uv.takes, uv.run)
        installer = create_installer(
            self.io, env, poetry, package, deferral, lock_only=lock is not None
        )
        installer.extras(extras)
        installer.only_groups(groups)
        installer.skip_directory(self.option("no-directory"))
        installer.dry_run(self.option("dry-run"))
        installer.requires_synchronization(self.option("sync"))
        installer.executor.enable_bytecode_compilation(self.option("compile"))
        installer.verbose(self.io.is_verbose())
        try:
            status = installer.run()
        except ValueError as e:
            if lock is not None and (problem := missing_directory(lock, e)):
                raise problem from e
            raise
        if status == 0:
            self.warn_if_poetry_would_re_resolve()
        return status
