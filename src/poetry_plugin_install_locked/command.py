from __future__ import annotations

from typing import TYPE_CHECKING
from typing import ClassVar

from cleo.formatters.formatter import Formatter
from cleo.helpers import option
from packaging.utils import canonicalize_name
from poetry.console.commands.group_command import GroupCommand
from poetry.plugins.plugin_manager import PluginManager

from poetry_plugin_install_locked.environment import installed_project
from poetry_plugin_install_locked.environment import select_environment
from poetry_plugin_install_locked.exceptions import InstallLockedError
from poetry_plugin_install_locked.lock_file import check_local_paths
from poetry_plugin_install_locked.lock_file import missing_directory
from poetry_plugin_install_locked.poetry_api import check_poetry_supported
from poetry_plugin_install_locked.poetry_api import create_installer
from poetry_plugin_install_locked.poetry_api import group_options
from poetry_plugin_install_locked.poetry_api import keyring_preflight
from poetry_plugin_install_locked.poetry_api import project_directory
from poetry_plugin_install_locked.project import Project
from poetry_plugin_install_locked.project import load_project
from poetry_plugin_install_locked.stub_manifest import build_stub_package


if TYPE_CHECKING:
    from cleo.io.inputs.option import Option
    from poetry.poetry import Poetry


class InstallLockedCommand(GroupCommand):
    name = "install-locked"
    description = (
        "Installs the project dependencies from poetry.lock alone"
        " (like <info>install --no-root</>)."
    )

    options: ClassVar[list[Option]] = [
        *group_options(),
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
        option(
            "extras",
            "E",
            "Extra sets of dependencies to install.",
            flag=False,
            multiple=True,
        ),
        option("all-extras", None, "Install all extra dependencies."),
        option("all-groups", None, "Install dependencies from all groups."),
        option("compile", None, "Compile Python source files to bytecode."),
        option(
            "project-name",
            None,
            "Without pyproject.toml: the project's name, which names Poetry's"
            " cache-dir virtualenv (needed only if virtualenvs.in-project is false).",
            flag=False,
        ),
    ]

    help = """\
The <info>install-locked</info> command installs the dependencies recorded in
<comment>poetry.lock</>, exactly as <info>poetry install --no-root</> would, and never
the project itself.

Beside <comment>pyproject.toml</> it is <info>poetry install --no-root</>. In a directory that
holds <comment>poetry.lock</> and no <comment>pyproject.toml</> (a Docker layer that must not
change when the project's version does), it reads the groups, extras, markers and
sources from the lock (lock-version 2.1, written by Poetry >= 2.0). The lock does
not say which groups are optional, so there every locked group is installed by
default: narrow them with <info>--only main</> or <info>--without</>.

<info>poetry install-locked --only main</>
"""

    def __init__(self) -> None:
        super().__init__()
        self._project: Project | None = None

    @property
    def poetry(self) -> Poetry:
        """The real project beside pyproject.toml, else the stub made from the lock."""
        if self._project is None:
            application = self.get_application()
            self._project = load_project(
                project_directory(application),
                self.io,
                real_poetry=lambda: application.poetry,
                project_name=self.option("project-name"),
                disable_cache=bool(self.option("no-cache")),
            )
        return self._project.poetry

    def handle(self) -> int:
        try:
            check_poetry_supported()
            return self._install()
        except InstallLockedError as e:
            if self.io.is_debug():
                raise
            # One line, even where the lock's own text (a URL, a name) has
            # breaks or looks like console markup.
            message = Formatter.escape(" ".join(str(e).split()))
            self.line_error(f"<error>{message}</>")
            return 1

    def _install(self) -> int:
        if self.option("extras") and self.option("all-extras"):
            raise InstallLockedError(
                "You cannot specify explicit --extras while installing"
                " using --all-extras."
            )
        if (
            self.option("only") or self.option("with") or self.option("without")
        ) and self.option("all-groups"):
            raise InstallLockedError(
                "You cannot specify --with, --without, or --only"
                " when using --all-groups."
            )

        poetry = self.poetry
        assert self._project is not None
        lock = self._project.lock
        if lock is None and not self.option("no-plugins"):
            PluginManager.ensure_project_plugins(poetry, self.io)

        if lock is not None:
            check_local_paths(lock, skip_directories=self.option("no-directory"))
        self._check_groups()
        extras = self._extras()
        groups = self.activated_groups

        keyring_preflight(self.io, poetry.config)
        env = select_environment(
            poetry,
            self.io,
            lock_only=lock is not None,
            name_known=self.option("project-name") is not None,
        )
        if lock is not None:
            self._announce_groups([g for g in lock.groups if g in groups])
        package = poetry.package
        # --sync spares the project itself, as `poetry install --sync` would.
        if (
            lock is not None
            and self.option("sync")
            and (name := installed_project(env, lock.path.parent))
        ):
            package = build_stub_package(lock, name)
        installer = create_installer(self.io, env, poetry, package)
        installer.extras(extras)
        installer.only_groups(groups)
        installer.skip_directory(self.option("no-directory"))
        installer.dry_run(self.option("dry-run"))
        installer.requires_synchronization(self.option("sync"))
        installer.executor.enable_bytecode_compilation(self.option("compile"))
        installer.verbose(self.io.is_verbose())
        try:
            return installer.run()
        except ValueError as e:
            if lock is not None and (problem := missing_directory(lock, e)):
                raise problem from e
            raise

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
        assert self._project is not None
        return "poetry.lock" if self._project.lock_only else "the project"

    def _announce_groups(self, groups: list[str]) -> None:
        self.line(f"Installing the locked groups: <c1>{', '.join(groups)}</>")
        chose = any(
            self.option(key) for key in ("with", "without", "only", "all-groups")
        )
        if not chose and len(groups) > 1:
            self.line(
                "<comment>poetry.lock does not record which groups are optional, so"
                " without pyproject.toml every locked group is installed: narrow"
                " them with --only main (or --without NAME).</>"
            )
