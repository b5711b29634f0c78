"""The lock-slice command: options parsed, then the slicing delegated."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from typing import ClassVar

from cleo.helpers import option
from packaging.utils import canonicalize_name
from poetry.core.packages.utils.utils import create_nested_marker
from poetry.core.version.markers import parse_marker

from poetry_plugin_install_locked.exceptions import InstallLockedError
from poetry_plugin_install_locked.lock_slice import Selection
from poetry_plugin_install_locked.lock_slice import render_slice
from poetry_plugin_install_locked.output import write_file
from poetry_plugin_install_locked.output import write_standard_output
from poetry_plugin_install_locked.pylock import PylockWriter
from poetry_plugin_install_locked.pylock import Target
from poetry_plugin_install_locked.pylock import check_file_name
from poetry_plugin_install_locked.pylock import looked_up
from poetry_plugin_install_locked.selection_command import SELECTION_OPTIONS
from poetry_plugin_install_locked.selection_command import SelectionCommand
from poetry_plugin_install_locked.served_files import look_up


if TYPE_CHECKING:
    from cleo.io.inputs.option import Option

    from poetry_plugin_install_locked.lock_slice import Slice


FORMATS = ("lock", "pylock")


class LockSliceCommand(SelectionCommand):
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
        selection = Selection(
            frozenset(groups), frozenset(canonicalize_name(e) for e in extras)
        )
        sliced = self.project.slice(
            self.io, selection, this_environment=self.option("this-environment")
        )
        output = self.option("output")
        # Relative to the working directory (-C's, not -P's), as Poetry resolves
        # its arguments and its export plugin writes.
        path = None if output in (None, "-") else Path.cwd() / output
        warnings: list[str] = []
        if fmt == "pylock":
            text, warnings = self._pylock(sliced, path)
        else:
            text = render_slice(sliced.lock, sliced.packages, selection)
        if path is None:
            write_standard_output(self.io, text)
        else:
            write_file(path, text)
        for warning in warnings:
            self.warn(warning)
        if sliced.differences:
            self.warn(self._re_resolving_install(sliced.differences))
        if not self.option("multi-use"):
            self.warn(self.project.selection_warning(self.chose_groups))
        self.warn(self.project.resolution_warning())
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

    def _pylock(self, sliced: Slice, path: Path | None) -> tuple[str, list[str]]:
        """The pylock.toml of the slice, and what the user should know of it."""
        if path is not None:
            check_file_name(path)
        poetry = self.poetry
        target = Target(
            directory=path.parent if path is not None else sliced.lock.path.parent,
            python_marker=str(
                parse_marker(
                    create_nested_marker(
                        "python_version", poetry.package.python_constraint
                    )
                )
            ),
            default_groups=sorted(
                canonicalize_name(g) for g in poetry.package.dependency_group_names()
            ),
        )
        multi = self.option("multi-use")
        packages = list(sliced.lock.packages) if multi else sliced.packages
        writer = PylockWriter(sliced.lock, target, look_up(poetry, looked_up(packages)))
        text = writer.multi_use() if multi else writer.single_use(packages)
        return text, writer.warnings

    def _re_resolving_install(self, differences: list[str]) -> str:
        reason = (
            "installer.re-resolve is true"
            if self.poetry.locker.is_locked_groups_and_markers()
            else "poetry.lock is of lock-version 2.0"
        )
        return (
            f"`poetry install` resolves again here ({reason}), and what it would"
            " install here differs from what the slice installs here"
            f" ({', '.join(differences)}): slice with --this-environment where the"
            " slice is installed, to have what it installs there."
        )
