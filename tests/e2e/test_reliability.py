"""Tampered artifacts, a broken index, credentials: failures are loud and clear,
nothing wrong is installed, and a re-run converges to the locked set."""

from __future__ import annotations

import base64
import shutil
import signal
import subprocess
import sys
import time

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support import venvs
from tests.support.index import Dist
from tests.support.index import PackageIndex
from tests.support.index import build_sdist
from tests.support.index import build_wheel
from tests.support.poetry_cli import INSTALLERS
from tests.support.poetry_cli import Poetry
from tests.support.poetry_cli import installed_set
from tests.support.poetry_cli import names
from tests.support.projects import PRIVATE
from tests.support.projects import PRIVATE_PASSWORD
from tests.support.projects import PRIVATE_USER
from tests.support.projects import PUBLIC
from tests.support.projects import copy_project
from tests.support.projects import lock_only_copy
from tests.support.projects import serve_packages
from tests.support.projects import write_index_app


if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.support.poetry_cli import Installed


pytestmark = pytest.mark.e2e

# Windows sends no process SIGINT or SIGTERM: Popen.send_signal terminates it
# outright for SIGTERM, and refuses SIGINT (Ctrl-C goes to a whole console).
NO_SIGNALS = pytest.mark.skipif(
    sys.platform == "win32",
    reason="Windows cannot send a process SIGINT or SIGTERM (Ctrl-C is a console's)",
)
# What the OS says of a connection to a port nobody listens on.
REFUSED = "actively refused" if sys.platform == "win32" else "Connection refused"

LOCKED = {
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "zeta",
    "sdistonly",
    "secretpkg",
}


@dataclass
class Fragile:
    """A project locked against an index of its own, which tests may break."""

    index: PackageIndex
    template: Path
    expected: Installed
    """What `poetry install --no-root` installs: where every re-run must converge."""

    def files(self) -> Path:
        return self.index.root / PUBLIC / "files"


@pytest.fixture(scope="module")
def fragile(
    tmp_path_factory: pytest.TempPathFactory, poetry: Poetry
) -> Iterator[Fragile]:
    index = PackageIndex(tmp_path_factory.mktemp("fragile-index"))
    index.start()
    serve_packages(index)
    template = tmp_path_factory.mktemp("fragile") / "indexapp"
    write_index_app(template, index)
    poetry.run("lock", cwd=template)
    reference = copy_project(template, tmp_path_factory.mktemp("reference") / "app")
    poetry.serial().run(
        "install", "--no-root", cwd=reference, POETRY_VIRTUALENVS_IN_PROJECT="true"
    )
    expected = installed_set(reference / ".venv")
    assert names(expected) >= LOCKED
    yield Fragile(index, template, expected)
    index.stop()


def cold(poetry: Poetry, tmp_path: Path) -> dict[str, str]:
    """Caches of its own (Poetry's and uv's): every artifact comes from the
    index, and no request waits long for one that hangs."""
    return {
        "POETRY_CACHE_DIR": str(tmp_path / "cold-cache"),
        "UV_CACHE_DIR": str(tmp_path / "cold-cache" / "uv"),
        "UV_HTTP_TIMEOUT": "2",
    }


def uv_error(result: subprocess.CompletedProcess[str]) -> str:
    """With --installer uv, a failure is one line on stderr, the last one."""
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("uv pip install "), result.stderr
    return last


@pytest.fixture
def restore_files(fragile: Fragile, tmp_path: Path) -> Iterator[None]:
    saved = tmp_path / "saved-files"
    shutil.copytree(fragile.files(), saved)
    yield
    shutil.rmtree(fragile.files())
    shutil.copytree(saved, fragile.files())
    fragile.index.faults.clear()


@pytest.mark.usefixtures("restore_files")
@pytest.mark.parametrize(
    ("dist", "filename"),
    [
        (
            Dist("alpha", "1.0", requires=("beta>=1.0,<2", "zeta")),
            "alpha-1.0-py3-none-any.whl",
        ),
        (
            Dist("sdistonly", "1.0", requires=("beta", "zeta"), sdist_only=True),
            "sdistonly-1.0.tar.gz",
        ),
    ],
    ids=["wheel", "sdist"],
)
def test_an_artifact_whose_hash_differs_from_the_lock_is_not_installed(
    dist: Dist, filename: str, fragile: Fragile, installs: Poetry, tmp_path: Path
) -> None:
    tampered = tmp_path / "tampered"
    tampered.mkdir()
    built = (
        build_sdist(tampered, dist) if dist.sdist_only else build_wheel(tampered, dist)
    )
    assert built == filename
    original = fragile.files() / filename
    assert (tampered / filename).read_bytes() != original.read_bytes()
    shutil.copy2(tampered / filename, original)

    locked = lock_only_copy(fragile.template, tmp_path / "app")
    result = installs.run(
        "install-locked", cwd=locked, check=False, env=cold(installs, tmp_path)
    )

    assert result.returncode != 0
    if installs.installer == "uv" and not dist.sdist_only:
        # uv names the package, and checks every candidate's hash: one line.
        # (An sdist is built, so installed, by Poetry's executor: its words.)
        assert f"Hash mismatch for `{dist.name}==1.0`" in uv_error(result)
    else:
        output = result.stdout + result.stderr
        assert dist.name in output
        assert filename in output
        assert "hash" in output.lower()
    assert dist.name not in names(installed_set(locked / ".venv"))
    site_packages = venvs.site_packages(locked / ".venv")
    assert site_packages.is_dir()
    assert not (site_packages / dist.module).exists()


@pytest.mark.usefixtures("restore_files")
@pytest.mark.parametrize(
    ("fault", "path"),
    [
        ("500", f"/{PUBLIC}/files/epsilon"),
        ("404", f"/{PUBLIC}/files/epsilon"),
        ("hang", f"/{PUBLIC}/files/epsilon"),
    ],
)
def test_a_broken_index_fails_clearly_and_a_re_run_converges(
    fault: str, path: str, fragile: Fragile, installs: Poetry, tmp_path: Path
) -> None:
    locked = lock_only_copy(fragile.template, tmp_path / "app")
    settings = {**cold(installs, tmp_path), "POETRY_REQUESTS_TIMEOUT": "2"}
    fragile.index.faults[path] = fault

    broken = installs.run("install-locked", cwd=locked, check=False, env=settings)
    assert broken.returncode != 0
    assert "epsilon" in (
        uv_error(broken)
        if installs.installer == "uv"
        else broken.stdout + broken.stderr
    )
    assert "epsilon" not in names(installed_set(locked / ".venv"))

    fragile.index.faults.clear()
    installs.run("install-locked", cwd=locked, env=settings)
    assert installed_set(locked / ".venv") == fragile.expected


def test_connection_refused_fails_clearly_and_a_re_run_converges(
    fragile: Fragile, installs: Poetry, tmp_path: Path
) -> None:
    locked = lock_only_copy(fragile.template, tmp_path / "app")
    fragile.index.stop()
    try:
        broken = installs.run(
            "install-locked", cwd=locked, check=False, env=cold(installs, tmp_path)
        )
    finally:
        fragile.index.start()
    assert broken.returncode != 0
    port = fragile.index.port
    # Poetry's executor fetches first (the sdist it builds, with uv too); where
    # uv fetches first, its one line says the same.
    assert f"All attempts to connect to 127.0.0.1:{port} failed." in broken.stdout or (
        # Poetry 2.0 shows urllib3's own account of it
        f"port={port}): Max retries exceeded" in broken.stdout
        and REFUSED in broken.stdout
    )
    assert "Traceback" not in broken.stdout + broken.stderr

    installs.run("install-locked", cwd=locked, env=cold(installs, tmp_path))
    assert installed_set(locked / ".venv") == fragile.expected


class TestCredentials:
    def no_env_credentials(
        self, poetry: Poetry, tmp_path: Path
    ) -> tuple[Poetry, dict[str, str]]:
        anonymous = Poetry(poetry.home, {}).installing_with(poetry.installer)
        return anonymous, {
            **cold(poetry, tmp_path),
            "POETRY_CONFIG_DIR": str(tmp_path / "config"),
        }

    def test_poetry_config_http_basic_credentials_are_used(
        self, fragile: Fragile, installs: Poetry, tmp_path: Path
    ) -> None:
        anonymous, settings = self.no_env_credentials(installs, tmp_path)
        locked = lock_only_copy(fragile.template, tmp_path / "app")
        anonymous.run(
            "config", f"http-basic.{PRIVATE}", PRIVATE_USER, PRIVATE_PASSWORD,
            cwd=locked, env=settings,
        )  # fmt: skip
        anonymous.run("install-locked", cwd=locked, env=settings)
        assert "secretpkg" in names(installed_set(locked / ".venv"))

    @pytest.mark.parametrize("password", [None, "wrong"], ids=["missing", "wrong"])
    def test_missing_or_wrong_credentials_fail_naming_the_source(
        self, password: str | None, fragile: Fragile, installs: Poetry, tmp_path: Path
    ) -> None:
        anonymous, settings = self.no_env_credentials(installs, tmp_path)
        if password:
            settings[f"POETRY_HTTP_BASIC_{PRIVATE.upper()}_USERNAME"] = PRIVATE_USER
            settings[f"POETRY_HTTP_BASIC_{PRIVATE.upper()}_PASSWORD"] = password
        locked = lock_only_copy(fragile.template, tmp_path / "app")

        result = anonymous.run("install-locked", cwd=locked, check=False, env=settings)

        assert result.returncode != 0
        if installs.installer == "uv":
            error = uv_error(result)
            # uv takes the index's 401 for a package it lacks; the line names
            # the source, and where no credentials were given, how to give them.
            assert error.startswith(f"uv pip install failed for source {PRIVATE} (")
            assert "secretpkg" in error
            assert (f"set http-basic.{PRIVATE}" in error) == (password is None)
        else:
            output = result.stdout + result.stderr
            assert f"Source ({PRIVATE}): Authorization error accessing" in output
        assert "secretpkg" not in names(installed_set(locked / ".venv"))

    @pytest.mark.parametrize("verbosity", ["-v", "-vv", "-vvv"])
    def test_the_password_never_appears_in_output_or_written_files(
        self, verbosity: str, fragile: Fragile, installs: Poetry, tmp_path: Path
    ) -> None:
        locked = lock_only_copy(fragile.template, tmp_path / "app")
        settings = cold(installs, tmp_path)
        result = installs.run("install-locked", verbosity, cwd=locked, env=settings)

        assert "secretpkg" in names(installed_set(locked / ".venv"))
        basic = base64.b64encode(f"{PRIVATE_USER}:{PRIVATE_PASSWORD}".encode())
        secrets = (PRIVATE_PASSWORD.encode(), basic)
        for secret in secrets:
            assert secret.decode() not in result.stdout + result.stderr
        # Nor in any file the command wrote, Poetry's and uv's caches included.
        for root in (locked, tmp_path / "cold-cache"):
            for path in root.rglob("*"):
                if path.is_file() and not path.is_symlink():
                    content = path.read_bytes()
                    assert not any(secret in content for secret in secrets), path


@NO_SIGNALS
@pytest.mark.usefixtures("restore_files")
@pytest.mark.parametrize("installed_before", [0, 2, 5])
@pytest.mark.parametrize(
    "signal_", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"]
)
def test_an_interrupted_install_converges_on_a_re_run(
    signal_: signal.Signals,
    installed_before: int,
    fragile: Fragile,
    poetry: Poetry,
    tmp_path: Path,
) -> None:
    """`docker stop` (SIGTERM) or Ctrl-C (SIGINT) part-way through, then a re-run."""
    locked = lock_only_copy(fragile.template, tmp_path / "app")
    # Slow downloads, one at a time: the install spans seconds, package by package.
    settings = {**cold(poetry, tmp_path), "POETRY_INSTALLER_MAX_WORKERS": "1"}
    fragile.index.faults[f"/{PUBLIC}/files/"] = "slow"
    process = subprocess.Popen(
        poetry.command("install-locked"),
        cwd=locked,
        env=poetry.env(**settings),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while len(dist_infos(locked)) <= installed_before and process.poll() is None:
            assert time.monotonic() < deadline, "the install made no progress"
            time.sleep(0.05)
        process.send_signal(signal_)
        process.wait(timeout=60)
    finally:
        process.kill()
    assert len(dist_infos(locked)) - 1 < len(LOCKED)  # it was stopped part-way

    fragile.index.faults.clear()
    poetry.run("install-locked", cwd=locked, env=settings)
    assert installed_set(locked / ".venv") == fragile.expected
    subprocess.run(
        [
            str(venvs.python(locked / ".venv")),
            "-c",
            f"import {', '.join(sorted(LOCKED))}",
        ],
        check=True,
    )


def dist_infos(directory: Path) -> list[Path]:
    return list(venvs.site_packages(directory / ".venv").glob("*.dist-info"))


def uv_children(pid: int) -> list[int]:
    """The `uv pip install -r -` processes whose parent is `pid`: the install of
    the locked packages (not of the pip a new virtualenv is seeded with)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid and command[1:3] == [b"pip", b"install"] and b"-r" in command:
            found.append(int(stat.parent.name))
    return found


@NO_SIGNALS
@pytest.mark.skipif(
    sys.platform != "linux", reason="finds uv's process through /proc (Linux's)"
)
@pytest.mark.usefixtures("restore_files")
@pytest.mark.parametrize(
    "signal_", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"]
)
def test_an_install_interrupted_while_uv_runs_converges_on_a_re_run(
    signal_: signal.Signals, fragile: Fragile, poetry: Poetry, tmp_path: Path
) -> None:
    """The signal reaches uv too, which is waited for: nothing installs after
    the command has ended, and a re-run installs the locked set."""
    uv = poetry.installing_with("uv")
    locked = lock_only_copy(fragile.template, tmp_path / "app")
    settings = cold(uv, tmp_path)
    fragile.index.faults[f"/{PUBLIC}/files/"] = "slow"
    process = subprocess.Popen(
        uv.command("install-locked"),
        cwd=locked,
        env=uv.env(**settings),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not uv_children(process.pid):
            assert process.poll() is None, "the install ended before uv ran"
            assert time.monotonic() < deadline, "uv never ran"
            time.sleep(0.02)
        running = uv_children(process.pid)
        process.send_signal(signal_)
        assert process.wait(timeout=60) != 0
    finally:
        process.kill()
    assert not [pid for pid in running if Path(f"/proc/{pid}").exists()]
    assert len(dist_infos(locked)) - 1 < len(LOCKED)  # it was stopped part-way

    fragile.index.faults.clear()
    uv.run("install-locked", cwd=locked, env=settings)
    assert installed_set(locked / ".venv") == fragile.expected


@pytest.mark.parametrize("installer", INSTALLERS)
def test_a_package_left_half_installed_is_installed_again(
    installer: str, fragile: Fragile, poetry: Poetry, tmp_path: Path
) -> None:
    """What an installer killed mid-install leaves: a dist-info without its
    INSTALLER (Poetry's executor and uv write it after the files) over a
    package missing files. Poetry takes it as installed; the re-run installs
    it again."""
    installs = poetry.installing_with(installer)
    locked = lock_only_copy(fragile.template, tmp_path / "app")
    installs.run("install-locked", cwd=locked)
    site_packages = venvs.site_packages(locked / ".venv")
    (site_packages / "alpha-1.0.dist-info" / "INSTALLER").unlink()
    (site_packages / "alpha" / "__init__.py").unlink()

    result = installs.run("install-locked", cwd=locked)

    assert (
        "Reinstalling alpha (1.0): an earlier install did not finish" in result.stdout
    )
    assert (site_packages / "alpha" / "__init__.py").exists()
    assert installed_set(locked / ".venv") == fragile.expected
