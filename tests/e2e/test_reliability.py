"""Tampered artifacts, a broken index, credentials: failures are loud and clear,
nothing wrong is installed, and a re-run converges to the locked set."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from tests.conftest import copy_project
from tests.conftest import lock_only_copy
from tests.support.index import Dist
from tests.support.index import PackageIndex
from tests.support.index import build_sdist
from tests.support.index import build_wheel
from tests.support.poetry_cli import Poetry
from tests.support.poetry_cli import installed_set
from tests.support.poetry_cli import names
from tests.support.projects import PRIVATE
from tests.support.projects import PRIVATE_PASSWORD
from tests.support.projects import PRIVATE_USER
from tests.support.projects import PUBLIC
from tests.support.projects import serve_packages
from tests.support.projects import write_index_app


if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.support.poetry_cli import Installed


pytestmark = pytest.mark.e2e

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
    """A cache of its own: every artifact comes from the index."""
    return {"POETRY_CACHE_DIR": str(tmp_path / "cold-cache")}


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
    dist: Dist, filename: str, fragile: Fragile, poetry: Poetry, tmp_path: Path
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
    result = poetry.run(
        "install-locked", cwd=locked, check=False, env=cold(poetry, tmp_path)
    )

    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert dist.name in output
    assert filename in output
    assert "hash" in output.lower()
    assert dist.name not in names(installed_set(locked / ".venv"))
    site_packages = next((locked / ".venv").glob("lib/python*/site-packages"))
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
    fault: str, path: str, fragile: Fragile, poetry: Poetry, tmp_path: Path
) -> None:
    locked = lock_only_copy(fragile.template, tmp_path / "app")
    settings = {**cold(poetry, tmp_path), "POETRY_REQUESTS_TIMEOUT": "2"}
    fragile.index.faults[path] = fault

    broken = poetry.run("install-locked", cwd=locked, check=False, env=settings)
    assert broken.returncode != 0
    assert "epsilon" in broken.stdout + broken.stderr
    assert "epsilon" not in names(installed_set(locked / ".venv"))

    fragile.index.faults.clear()
    poetry.run("install-locked", cwd=locked, env=settings)
    assert installed_set(locked / ".venv") == fragile.expected


def test_connection_refused_fails_clearly_and_a_re_run_converges(
    fragile: Fragile, poetry: Poetry, tmp_path: Path
) -> None:
    locked = lock_only_copy(fragile.template, tmp_path / "app")
    fragile.index.stop()
    try:
        broken = poetry.run(
            "install-locked", cwd=locked, check=False, env=cold(poetry, tmp_path)
        )
    finally:
        fragile.index.start()
    assert broken.returncode != 0
    port = fragile.index.port
    assert f"All attempts to connect to 127.0.0.1:{port} failed." in broken.stdout or (
        # Poetry 2.0 shows urllib3's own account of it
        f"port={port}): Max retries exceeded" in broken.stdout
        and "Connection refused" in broken.stdout
    )
    assert "Traceback" not in broken.stdout + broken.stderr

    poetry.run("install-locked", cwd=locked, env=cold(poetry, tmp_path))
    assert installed_set(locked / ".venv") == fragile.expected


class TestCredentials:
    def no_env_credentials(
        self, poetry: Poetry, tmp_path: Path
    ) -> tuple[Poetry, dict[str, str]]:
        anonymous = Poetry(poetry.home, {})
        return anonymous, {
            **cold(poetry, tmp_path),
            "POETRY_CONFIG_DIR": str(tmp_path / "config"),
        }

    def test_poetry_config_http_basic_credentials_are_used(
        self, fragile: Fragile, poetry: Poetry, tmp_path: Path
    ) -> None:
        anonymous, settings = self.no_env_credentials(poetry, tmp_path)
        locked = lock_only_copy(fragile.template, tmp_path / "app")
        anonymous.run(
            "config", f"http-basic.{PRIVATE}", PRIVATE_USER, PRIVATE_PASSWORD,
            cwd=locked, env=settings,
        )  # fmt: skip
        anonymous.run("install-locked", cwd=locked, env=settings)
        assert "secretpkg" in names(installed_set(locked / ".venv"))

    @pytest.mark.parametrize("password", [None, "wrong"], ids=["missing", "wrong"])
    def test_missing_or_wrong_credentials_fail_naming_the_source(
        self, password: str | None, fragile: Fragile, poetry: Poetry, tmp_path: Path
    ) -> None:
        anonymous, settings = self.no_env_credentials(poetry, tmp_path)
        if password:
            settings[f"POETRY_HTTP_BASIC_{PRIVATE.upper()}_USERNAME"] = PRIVATE_USER
            settings[f"POETRY_HTTP_BASIC_{PRIVATE.upper()}_PASSWORD"] = password
        locked = lock_only_copy(fragile.template, tmp_path / "app")

        result = anonymous.run("install-locked", cwd=locked, check=False, env=settings)

        assert result.returncode != 0
        output = result.stdout + result.stderr
        assert f"Source ({PRIVATE}): Authorization error accessing" in output
        assert "secretpkg" not in names(installed_set(locked / ".venv"))

    @pytest.mark.parametrize("verbosity", ["-v", "-vv", "-vvv"])
    def test_the_password_never_appears_in_output_or_written_files(
        self, verbosity: str, fragile: Fragile, poetry: Poetry, tmp_path: Path
    ) -> None:
        locked = lock_only_copy(fragile.template, tmp_path / "app")
        settings = cold(poetry, tmp_path)
        result = poetry.run("install-locked", verbosity, cwd=locked, env=settings)

        assert "secretpkg" in names(installed_set(locked / ".venv"))
        assert PRIVATE_PASSWORD not in result.stdout + result.stderr
        for root in (locked, tmp_path / "cold-cache"):
            for path in root.rglob("*"):
                if path.is_file() and not path.is_symlink():
                    assert PRIVATE_PASSWORD.encode() not in path.read_bytes(), path


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
            str(locked / ".venv" / "bin" / "python"),
            "-c",
            f"import {', '.join(sorted(LOCKED))}",
        ],
        check=True,
    )


def dist_infos(directory: Path) -> list[Path]:
    return list(directory.glob(".venv/lib/python*/site-packages/*.dist-info"))
