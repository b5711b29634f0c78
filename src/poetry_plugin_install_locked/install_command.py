"""The install-locked command: options parsed, then the install delegated to
the project's mode and Poetry's installer."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import ClassVar

from cleo.helpers import option

from poetry_plugin_install_locked.executors import create_installer
from poetry_plugin_install_locked.poetry_support import keyring_preflight
from poetry_plugin_install_locked.selection_command import SELECTION_OPTIONS
from poetry_plugin_install_locked.selection_command import SelectionCommand
from poetry_plugin_install_locked.uv_executor import UvExecutor
from poetry_plugin_install_locked.uv_executor import UvSetup
from poetry_plugin_install_locked.uv_executor import installer_choice


if TYPE_CHECKING:
    from cleo.io.inputs.option import Option
    from packaging.utils import NormalizedName
    from poetry.installation.installer import Installer
    from poetry.utils.env import Env


class InstallLockedCommand(SelectionCommand):
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
        project, poetry = self.project, self.poetry
        project.prepare_install(
            self.io,
            no_directory=self.option("no-directory"),
            no_plugins=self.option("no-plugins"),
        )
        groups, extras = self.selection()
        # Before any environment is touched: uv is there, and follows every source.
        uv = UvSetup.of(poetry) if self.installer == "uv" else None
        keyring_preflight(self.io, poetry.config)
        env = project.environment(self.io, uv=uv.binary if uv else None)
        if announcement := project.announce(groups):
            self.line(announcement)
        self.warn(project.selection_warning(self.chose_groups))
        installer = self._installer(env, uv, groups, extras)
        try:
            status = installer.run()
        except ValueError as e:
            if problem := project.explain(e):
                raise problem from e
            raise
        if status == 0:
            self.warn(project.resolution_warning())
        return status

    @property
    def installer(self) -> str:
        return installer_choice(self.option("installer"))

    def _installer(
        self,
        env: Env,
        uv: UvSetup | None,
        groups: set[NormalizedName],
        extras: list[str],
    ) -> Installer:
        """Poetry's installer, as `poetry install` builds it, with the options."""
        project, poetry = self.project, self.poetry
        deferral = (
            UvExecutor(uv, poetry, env, self.io, self.option("compile")) if uv else None
        )
        installer = create_installer(
            self.io,
            env,
            poetry,
            project.installer_root(env, sync=self.option("sync")),
            project.installer_config,
            deferral=deferral,
        )
        installer.extras(extras)
        installer.only_groups(groups)
        installer.skip_directory(self.option("no-directory"))
        installer.dry_run(self.option("dry-run"))
        installer.requires_synchronization(self.option("sync"))
        installer.executor.enable_bytecode_compilation(self.option("compile"))
        installer.verbose(self.io.is_verbose())
        return installer
