"""The uv executor in-process, with a stand-in for uv that records each call:
what uv is asked to do, with which credentials where, and one line when it fails.
The packages are the committed fixture app's, read in lock-only mode."""

from __future__ import annotations

import json
import stat
import sys

from typing import TYPE_CHECKING
from typing import Any

import pytest

from cleo.io.buffered_io import BufferedIO
from packaging.tags import Tag
from poetry.installation.operations import Install
from poetry.installation.operations import Uninstall
from poetry.utils.env import MockEnv

from poetry_plugin_install_locked.exceptions import InstallLockedError
from poetry_plugin_install_locked.project import load_project
from poetry_plugin_install_locked.uv_executor import UvExecutor
from poetry_plugin_install_locked.uv_executor import UvSetup
from poetry_plugin_install_locked.uv_executor import read_indexes
from tests.support.committed import copy_committed
from tests.support.projects import PRIVATE_CREDENTIALS
from tests.support.projects import PRIVATE_PASSWORD


if TYPE_CHECKING:
    from pathlib import Path

    from poetry.core.packages.package import Package
    from poetry.poetry import Poetry


LOCAL = "http://index.invalid/local/simple"
PRIVATE = "http://index.invalid/private/simple"

STAND_IN = f"""#!{sys.executable}
import json, os, sys
with open(os.environ["STAND_IN_LOG"], "a", encoding="utf-8") as log:
    environment = {{k: v for k, v in os.environ.items() if k.startswith("UV_")}}
    log.write(json.dumps([sys.argv[1:], sys.stdin.read(), environment]) + "\\n")
sys.stderr.write(os.environ.get("STAND_IN_ERRORS", ""))
sys.exit(int(os.environ.get("STAND_IN_STATUS", "0")))
"""
# Windows starts no script by its shebang: there the stand-in is a batch file
# that runs the script with this interpreter, passing its arguments on.
WINDOWS_LAUNCHER = f'@"{sys.executable}" "%~dp0uv.py" %*\r\n'


class Uv:
    """The stand-in's path, and the calls it recorded: arguments, standard input
    and the UV_* variables it got."""

    def __init__(self, directory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        if sys.platform == "win32":
            (directory / "uv.py").write_text(STAND_IN, encoding="utf-8")
            self.path = directory / "uv.cmd"
            self.path.write_bytes(WINDOWS_LAUNCHER.encode())
        else:
            self.path = directory / "uv"
            self.path.write_text(STAND_IN, encoding="utf-8")
            self.path.chmod(self.path.stat().st_mode | stat.S_IEXEC)
        self.log = directory / "calls.jsonl"
        monkeypatch.setenv("STAND_IN_LOG", str(self.log))

    @property
    def calls(self) -> list[tuple[list[str], str, dict[str, str]]]:
        if not self.log.exists():
            return []
        lines = self.log.read_text(encoding="utf-8").splitlines()
        return [tuple(json.loads(line)) for line in lines]


@pytest.fixture
def uv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Uv:
    for name, value in PRIVATE_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("UV_INDEX_URL", "https://elsewhere.invalid/simple")
    return Uv(tmp_path, monkeypatch)


@pytest.fixture
def poetry(tmp_path: Path) -> Poetry:
    directory = copy_committed(tmp_path / "app", "poetry.lock")

    def no_real_project() -> Poetry:
        raise AssertionError("lock-only mode")

    return load_project(
        directory,
        BufferedIO(),
        real_poetry=no_real_project,
        project_name=None,
        disable_cache=False,
    ).poetry


def locked(poetry: Poetry, name: str) -> Package:
    packages = poetry.locker.locked_repository().packages
    return next(p for p in packages if p.name == name)


def executor(
    poetry: Poetry, uv: Uv, tmp_path: Path, **options: Any
) -> tuple[UvExecutor, MockEnv]:
    env = MockEnv(
        path=tmp_path / "venv", is_venv=True, supported_tags=[Tag("py3", "none", "any")]
    )
    setup = UvSetup(str(uv.path), read_indexes(poetry))
    uv_executor = UvExecutor(
        setup, poetry, env, BufferedIO(), options.get("compile_bytecode", False)
    )
    return uv_executor, env


def test_uv_takes_the_wheels_from_an_index_and_removals_of_what_came_from_one(
    poetry: Poetry, uv: Uv, tmp_path: Path
) -> None:
    uv_executor, _ = executor(poetry, uv, tmp_path)
    takes = {
        name: uv_executor.takes(Install(locked(poetry, name)))
        for name in ("alpha", "secretpkg", "sdistonly", "gitpkg", "urlpkg")
    }

    assert takes == {
        "alpha": True,
        "secretpkg": True,
        "sdistonly": False,  # an sdist: Poetry builds it
        "gitpkg": False,
        "urlpkg": False,
    }
    assert uv_executor.takes(Uninstall(locked(poetry, "devtool")))
    assert not uv_executor.takes(Uninstall(locked(poetry, "gitpkg")))


def test_removals_then_one_call_per_index_pinned_by_the_locked_hashes(
    poetry: Poetry, uv: Uv, tmp_path: Path
) -> None:
    uv_executor, env = executor(poetry, uv, tmp_path)
    alpha, beta, secret = (locked(poetry, n) for n in ("alpha", "beta", "secretpkg"))
    for package in (alpha, beta, secret):
        assert uv_executor.takes(Install(package))

    uv_executor.run(
        [
            Install(secret),
            Install(beta),
            Uninstall(locked(poetry, "devtool")),
            Install(alpha),
        ]
    )

    python = ["--python", str(env.python), "--no-config"]
    pinned = ["--no-deps", "--require-hashes", "--no-build"]
    (removal, _, _), (local, local_input, _), (private, private_input, _) = uv.calls
    assert removal == ["pip", "uninstall", *python, "devtool"]
    assert local == [
        "pip",
        "install",
        *python,
        *pinned,
        f"--default-index=local={LOCAL}",
        "-r",
        "-",
    ]
    assert private == [
        "pip",
        "install",
        *python,
        *pinned,
        f"--default-index=private={PRIVATE}",
        "-r",
        "-",
    ]
    assert local_input == (
        f"alpha==1.0 --hash={alpha.files[0]['hash']}\n"
        f"beta==1.0 --hash={beta.files[0]['hash']}\n"
    )
    assert private_input == f"secretpkg==1.0 --hash={secret.files[0]['hash']}\n"


def test_a_sources_credentials_reach_only_its_call_and_only_its_environment(
    poetry: Poetry, uv: Uv, tmp_path: Path
) -> None:
    uv_executor, _ = executor(poetry, uv, tmp_path)
    alpha, secret = locked(poetry, "alpha"), locked(poetry, "secretpkg")
    uv_executor.takes(Install(alpha))
    uv_executor.takes(Install(secret))

    uv_executor.run([Install(alpha), Install(secret)])

    (local, _, local_env), (private, _, private_env) = uv.calls
    assert local_env == {}  # UV_INDEX_URL is Poetry's to decide: dropped
    assert private_env == {
        "UV_INDEX_PRIVATE_USERNAME": "deploy",
        "UV_INDEX_PRIVATE_PASSWORD": PRIVATE_PASSWORD,
    }
    assert not any(PRIVATE_PASSWORD in argument for argument in local + private)


def test_compiling_and_redoing_a_cut_short_install_are_uvs_options(
    poetry: Poetry, uv: Uv, tmp_path: Path
) -> None:
    uv_executor, env = executor(poetry, uv, tmp_path, compile_bytecode=True)
    site_packages = env.site_packages.path
    (site_packages / "alpha-1.0.dist-info").mkdir(parents=True)
    alpha, beta = locked(poetry, "alpha"), locked(poetry, "beta")
    uv_executor.takes(Install(alpha))
    uv_executor.takes(Install(beta))

    uv_executor.run([Install(alpha), Install(beta)])

    ((arguments, _, _),) = uv.calls
    assert "--compile-bytecode" in arguments
    assert [a for a in arguments if a.startswith("--reinstall")] == [
        "--reinstall-package=alpha"
    ]


def test_a_failure_is_one_line_naming_the_source_with_uvs_error_and_causes(
    poetry: Poetry, uv: Uv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STAND_IN_STATUS", "2")
    monkeypatch.setenv(
        "STAND_IN_ERRORS",
        "error: Failed to download `alpha==1.0`\n  cause: HTTP status server error (500)\n",
    )
    uv_executor, _ = executor(poetry, uv, tmp_path)
    alpha = locked(poetry, "alpha")
    uv_executor.takes(Install(alpha))

    with pytest.raises(InstallLockedError) as error:
        uv_executor.run([Install(alpha)])

    assert str(error.value) == (
        f"uv pip install failed for source local ({LOCAL}): Failed to download"
        " `alpha==1.0`: HTTP status server error (500)"
    )
