"""The plugin's commands: thin cleo commands that parse options and delegate."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any
from typing import ClassVar

from cleo.formatters.formatter import Formatter
from cleo.helpers import option
from cleo.io.outputs.output import Type
from cleo.io.outputs.output import Verbosity
from packaging.utils import canonicalize_name
from poetry.console.commands.group_command import GroupCommand

from poetry_plugin_install_locked.environment import installed_project
from poetry_plugin_install_locked.environment import select_environment
from poetry_plugin_install_locked.environment import target_environment
from poetry_plugin_install_locked.exact_slice import exact_slice
from poetry_plugin_install_locked.exceptions import InstallLockedError
from poetry_plugin_install_locked.executors import create_installer
from poetry_plugin_install_locked.lock_file import check_local_paths
from poetry_plugin_install_locked.lock_file import missing_directory
from poetry_plugin_install_locked.lock_slice import Selection
from poetry_plugin_install_locked.lock_slice import render_slice
from poetry_plugin_install_locked.lock_slice import slice_packages
from poetry_plugin_install_locked.lock_slice import write_atomically
from poetry_plugin_install_locked.package_sources import served_links
from poetry_plugin_install_locked.poetry_support import check_poetry_supported
from poetry_plugin_install_locked.poetry_support import ensure_project_plugins
from poetry_plugin_install_locked.poetry_support import group_options
from poetry_plugin_install_locked.poetry_support import keyring_preflight
from poetry_plugin_install_locked.poetry_support import project_directory
from poetry_plugin_install_locked.project import Project
from poetry_plugin_install_locked.project import load_project
from poetry_plugin_install_locked.project import real_lock
from poetry_plugin_install_locked.pylock import Target
from poetry_plugin_install_locked.pylock import check_file_name
from poetry_plugin_install_locked.pylock import multi_use
from poetry_plugin_install_locked.pylock import single_use
from poetry_plugin_install_locked.stub_manifest import build_stub_package
from poetry_plugin_install_locked.uv_executor import UvExecutor
from poetry_plugin_install_locked.uv_executor import installer_choice


if TYPE_CHECKING:
    from cleo.io.inputs.option import Option
    from packaging.utils import NormalizedName
    from poetry.poetry import Poetry

    from poetry_plugin_install_locked.lock_file import LockFile


FORMATS = ("lock", "pylock")

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


class LockCommand(GroupCommand):
    """What both commands share: the project (pyproject.toml's, or the stub made
    from poetry.lock alone), the selection and its checks, and one-line errors."""

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


class LockSliceCommand(LockCommand):
    name = "lock-slice"
    description = (
        "Writes the part of poetry.lock a selection installs, as a lock that"
        " <info>install-locked</> installs."
    )

    options: ClassVar[list[Option]] = [
        *SELECTION_OPTIONS,
        option(
            "output",
            "o",
            "The file to write the slice to, relative to the working directory"
            " (its directory is created); - or none: standard output.",
            flag=False,
        ),
        option(
            "this-environment",
            None,
            "Keep only what this environment installs (markers evaluated for"
            " this interpreter and platform, as the installer would).",
        ),
        option(
            "format",
            "f",
            "lock: a poetry.lock (the default); pylock: a PEP 751 pylock.toml that"
            " uv or pip install (its files' URLs looked up in their sources).",
            flag=False,
            default="lock",
        ),
        option(
            "multi-use",
            None,
            "With --format pylock: every group and extra, chosen when installing"
            " (uv pip sync pylock.toml --group NAME --extra NAME).",
        ),
    ]

    help = """\
The <info>lock-slice</info> command writes the packages of <comment>poetry.lock</> that a
selection installs, with their groups and markers narrowed to it, as a lock of its
own. Its bytes change only when what the selection installs changes, so a Docker
stage that copies the slice, rather than the whole lock, keeps its dependency
layer cached through dev-only lock changes. Beside <comment>pyproject.toml</> it slices what
<info>poetry install --no-root</> installs.

<info>poetry lock-slice --only main -o /slice/poetry.lock</>
<info>poetry lock-slice --only main --format pylock -o /slice/pylock.toml</>
"""

    def run_command(self) -> int:
        fmt = self.option("format")
        if fmt not in FORMATS:
            raise InstallLockedError(
                f"--format is {fmt!r}: it can be {' or '.join(FORMATS)}."
            )
        if self.option("multi-use"):
            self._check_multi_use(fmt)
        groups, extras = self.selection()
        poetry, lock = self.poetry, self.project.lock
        env = None
        if lock is None or self.option("this-environment"):
            env = target_environment(poetry, self.io)
        selection = Selection(
            frozenset(groups),
            frozenset(canonicalize_name(extra) for extra in extras),
            env.marker_env
            if env is not None and self.option("this-environment")
            else None,
        )
        differences: list[str] = []
        if lock is not None:
            recorded, packages = lock, slice_packages(lock, selection)
        else:
            assert env is not None
            exact = exact_slice(real_lock(poetry), poetry, selection, env)
            recorded, packages, differences = (
                exact.lock,
                exact.packages,
                exact.differences,
            )

        output = self.option("output")
        # Relative to the working directory (-C's, not -P's), as Poetry resolves
        # its arguments and its export plugin writes.
        path = None if output in (None, "-") else Path.cwd() / output
        if fmt == "pylock":
            text = self._pylock(recorded, packages, path)
        else:
            text = render_slice(recorded, packages, selection)
        if path is None:
            self.io.write(text, type=Type.RAW, verbosity=Verbosity.QUIET)
        else:
            write_atomically(path, text)
        if differences:
            self.warn_of_a_re_resolving_install(differences)
        if not self.option("multi-use"):
            self.warn_if_every_group_is_selected()
        self.warn_if_poetry_would_re_resolve()
        return 0

    def _check_multi_use(self, fmt: str) -> None:
        chose = [
            f"--{key}"
            for key in ("only", "with", "without", "all-groups", "extras", "all-extras")
            if self.option(key)
        ]
        if self.option("this-environment"):
            chose.append("--this-environment")
        if fmt != "pylock" or chose:
            raise InstallLockedError(
                "--multi-use writes a pylock.toml of every group and extra, chosen"
                " when installing: use it with --format pylock, and without "
                + (", ".join(chose) or "a selection")
                + "."
            )

    def _pylock(
        self, lock: LockFile, packages: list[dict[str, Any]], path: Path | None
    ) -> str:
        if path is not None:
            check_file_name(path)
        poetry = self.poetry
        target = Target(
            directory=path.parent if path is not None else lock.path.parent,
            python_marker=str(poetry.package.python_marker),
            default_groups=sorted(
                canonicalize_name(g) for g in poetry.package.dependency_group_names()
            ),
        )
        links = served_links(poetry)
        if self.option("multi-use"):
            return multi_use(lock, links, target)
        return single_use(lock, packages, links, target)

    def warn_of_a_re_resolving_install(self, differences: list[str]) -> None:
        reason = (
            "installer.re-resolve is true"
            if self.poetry.locker.is_locked_groups_and_markers()
            else "poetry.lock is of lock-version 2.0"
        )
        self.line_error(
            f"<warning>Warning: `poetry install` resolves again here ({reason}), and"
            " what it would install here differs from what the slice installs here"
            f" ({', '.join(differences)}): slice with --this-environment where the"
            " slice is installed, to have what it installs there.</warning>"
        )
