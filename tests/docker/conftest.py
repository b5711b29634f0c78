from __future__ import annotations

import os
import subprocess
import sys

from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.docker import BASE_IMAGE
from tests.support.docker import Docker
from tests.support.docker import derive_base_image
from tests.support.docker import engine_problem
from tests.support.docker import remove_images


if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.support.projects import Fixtures


ROOT = Path(__file__).resolve().parents[2]
WHEELS = "pypi"  # the local index's stand-in for PyPI, serving Poetry and the plugin


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Without an engine the Docker tests are skipped, saying why; with
    REQUIRE_DOCKER=1 (as scripts/test.sh sets for root) they fail instead."""
    docker_items = [item for item in items if item.get_closest_marker("docker")]
    problem = engine_problem() if docker_items else None
    if problem is None:
        return
    if os.environ.get("REQUIRE_DOCKER") == "1":
        raise pytest.UsageError(f"REQUIRE_DOCKER=1 but {problem}")
    for item in docker_items:
        item.add_marker(pytest.mark.skip(reason=problem))


@pytest.fixture(scope="session")
def base_image(
    fixtures: Fixtures, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The base image, with Poetry and this plugin (built from the working tree)
    installable from the local index, as they would be from PyPI."""
    wheels = tmp_path_factory.mktemp("image-wheels")
    pip = [sys.executable, "-m", "pip", "-q"]
    subprocess.run(
        [
            *pip,
            "download",
            "--only-binary=:all:",
            "-d",
            wheels,
            f"poetry=={version('poetry')}",
        ],
        check=True,
    )
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", wheels, ROOT],
        check=True,
    )
    fixtures.index.add_files(WHEELS, sorted(wheels.iterdir()))
    tag = f"install-locked-test/python:{fixtures.index.port}"
    yield derive_base_image(BASE_IMAGE, tag, fixtures.index.simple_url(WHEELS))
    remove_images(tag)


@pytest.fixture(params=[False, True], ids=["classic", "buildkit"])
def docker(request: pytest.FixtureRequest) -> Docker:
    return Docker(buildkit=request.param)
