"""The executors in-process, on Poetry's MockEnv: what Poetry's executor hands
over to another installer, when, and what an interrupted install leaves to
redo. Nothing here installs: every operation is deferred, skipped or a dry run."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from cleo.io.buffered_io import BufferedIO
from poetry.config.config import Config
from poetry.core.packages.package import Package
from poetry.installation.operations import Install
from poetry.installation.operations import Uninstall
from poetry.installation.operations import Update
from poetry.repositories import RepositoryPool
from poetry.utils.env import MockEnv

from poetry_plugin_install_locked.executors import DeferringExecutor


if TYPE_CHECKING:
    from pathlib import Path

    from poetry.installation.operations.operation import Operation


def package(name: str, version: str = "1.0", **source: str) -> Package:
    return Package(name, version, **source)  # type: ignore[arg-type]


class Recorder:
    """A deferral that takes the operations on some packages, and records
    what it is handed."""

    def __init__(self, names: set[str]) -> None:
        self.names = names
        self.handed_over: list[list[Operation]] = []

    def takes(self, operation: Operation) -> bool:
        return operation.package.name in self.names

    def run(self, operations: list[Operation]) -> None:
        self.handed_over.append(operations)


class Run:
    """A deferring executor over a MockEnv whose site-packages is `root`'s, and
    what it handed over."""

    def __init__(self, root: Path, defers: set[str]) -> None:
        self.env = MockEnv(path=root, is_venv=True)
        self.io = BufferedIO()
        self.deferral = Recorder(defers)
        self.executor = DeferringExecutor(
            self.env, RepositoryPool(), Config(), self.io, deferral=self.deferral
        )

    @property
    def handed_over(self) -> list[list[Operation]]:
        return self.deferral.handed_over

    def execute(self, *operations: Operation) -> int:
        return self.executor.execute(list(operations))

    @property
    def handed_names(self) -> list[list[str]]:
        return [[op.package.name for op in ops] for ops in self.handed_over]

    @property
    def site_packages(self) -> Path:
        path = self.env.site_packages.path
        path.mkdir(parents=True, exist_ok=True)
        return path


def test_what_it_defers_is_handed_over_at_once_in_name_order(tmp_path: Path) -> None:
    run = Run(tmp_path, defers={"alpha", "beta", "gamma"})

    status = run.execute(
        Install(package("gamma")),
        Uninstall(package("beta")),
        Update(package("alpha"), package("alpha", "2.0")),
    )

    assert status == 0
    assert run.handed_names == [["alpha", "beta", "gamma"]]
    assert [op.job_type for op in run.handed_over[0]] == [
        "update",
        "uninstall",
        "install",
    ]


def test_poetry_still_prints_and_counts_every_operation(tmp_path: Path) -> None:
    run = Run(tmp_path, defers={"alpha", "beta"})

    run.execute(Install(package("alpha")), Uninstall(package("beta")))

    output = run.io.fetch_output()
    assert "Installing alpha (1.0)" in output
    assert "Removing beta (1.0)" in output
    assert "1 install, 0 updates, 1 removal" in output


def test_skipped_operations_are_counted_and_not_handed_over(tmp_path: Path) -> None:
    run = Run(tmp_path, defers={"alpha", "beta"})

    run.execute(
        Install(package("alpha")).skip("Already installed"), Install(package("beta"))
    )

    assert run.handed_names == [["beta"]]


def test_a_dry_run_hands_nothing_over(tmp_path: Path) -> None:
    run = Run(tmp_path, defers={"alpha"})
    run.executor.dry_run(True)

    assert run.execute(Install(package("alpha"))) == 0

    assert run.handed_over == []
    assert "Installing alpha (1.0)" in run.io.fetch_output()


def test_when_poetrys_own_operation_fails_nothing_is_handed_over(
    tmp_path: Path,
) -> None:
    run = Run(tmp_path, defers={"alpha"})
    missing = package(
        "localpkg", "0.1", source_type="directory", source_url=str(tmp_path / "gone")
    )

    status = run.execute(Install(package("alpha")), Install(missing))

    assert status == 1
    assert run.handed_over == []


def write_dist_info(site_packages: Path, name: str, *, complete: bool) -> None:
    """A dist-info as an installer leaves it: whole (its files, RECORD and
    INSTALLER), or cut short after METADATA."""
    dist_info = site_packages / f"{name}-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\n")
    if complete:
        (site_packages / f"{name}.py").write_text("")
        (dist_info / "RECORD").write_text(
            f"{name}.py,,\n{dist_info.name}/METADATA,,\n{dist_info.name}/RECORD,,\n"
        )
        (dist_info / "INSTALLER").write_text("poetry\n")


@pytest.mark.parametrize("deferred", [True, False], ids=["handed over", "poetry's"])
def test_an_install_that_was_cut_short_is_done_again(
    deferred: bool, tmp_path: Path
) -> None:
    run = Run(tmp_path, defers={"beta", "gamma"} if deferred else {"gamma"})
    write_dist_info(run.site_packages, "beta", complete=False)
    write_dist_info(run.site_packages, "gamma", complete=True)
    run.executor.dry_run(not deferred)  # Poetry's own install would fetch beta

    run.execute(
        Install(package("beta")).skip("Already installed"),
        Install(package("gamma")).skip("Already installed"),
    )

    output = run.io.fetch_output()
    assert "Reinstalling beta (1.0): an earlier install did not finish" in output
    assert "Reinstalling gamma" not in output
    assert run.handed_names == ([["beta"]] if deferred else [])
