from __future__ import annotations

import os
import sys

from typing import TYPE_CHECKING

import pytest

from tests.support.distributions import poetry_wheels_problem
from tests.support.distributions import wheels_for_images
from tests.support.docker import BASE_IMAGE
from tests.support.docker import Created
from tests.support.docker import Docker
from tests.support.docker import derive_base_image
from tests.support.docker import engine_problem
from tests.support.docker import remove_images
from tests.support.projects import write_docker_app


if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.support.poetry_cli import Poetry
    from tests.support.projects import Fixtures


WHEELS = "pypi"  # the local index's stand-in for PyPI, serving Poetry and the plugin


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Without an engine (or off Linux) the Docker tests are skipped, saying
    why; with REQUIRE_DOCKER=1 (as scripts/test.sh sets for root) they fail
    instead."""
    docker_items = [item for item in items if item.get_closest_marker("docker")]
    problem = docker_problem() if docker_items else None
    if problem is None:
        return
    if os.environ.get("REQUIRE_DOCKER") == "1":
        raise pytest.UsageError(f"REQUIRE_DOCKER=1 but {problem}")
    for item in docker_items:
        item.add_marker(pytest.mark.skip(reason=problem))


def docker_problem() -> str | None:
    """Why the Docker tests cannot run here, or None."""
    if sys.platform != "linux":
        return (
            "the Docker recipes are Linux images, built here on Linux only (the"
            f" host network, Debian's docker-registry): this is {sys.platform}"
        )
    return engine_problem()


@pytest.fixture(scope="session")
def base_image(
    fixtures: Fixtures, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The base image, with Poetry and this plugin (built from the working tree)
    installable from the local index, as they would be from PyPI."""
    if problem := poetry_wheels_problem():
        if os.environ.get("REQUIRE_DOCKER") == "1":
            pytest.fail(problem)
        pytest.skip(problem)
    plugin = tmp_path_factory.mktemp("plugin-dists")
    fixtures.index.add_files(WHEELS, wheels_for_images(plugin))
    # What uv builds sdists with, as it would from PyPI.
    fixtures.index.add_tinybackend(WHEELS)
    tag = f"install-locked-test/python:{fixtures.index.port}"
    yield derive_base_image(BASE_IMAGE, tag, fixtures.index.simple_url(WHEELS))
    remove_images(tag)


@pytest.fixture
def created() -> Iterator[Created]:
    """The test's images and build cache, removed afterwards (and nothing else)."""
    created = Created.begin()
    yield created
    created.remove()


@pytest.fixture(params=[False, True], ids=["classic", "buildkit"])
def docker(request: pytest.FixtureRequest, created: Created) -> Docker:
    return Docker(buildkit=request.param, created=created)


@pytest.fixture
def buildkit(created: Created) -> Docker:
    return Docker(buildkit=True, created=created)


@pytest.fixture
def app(fixtures: Fixtures, poetry: Poetry, tmp_path: Path) -> Path:
    """A locked project whose dependencies come from the local index."""
    directory = tmp_path / "app"
    write_docker_app(directory, fixtures)
    poetry.run("lock", cwd=directory)
    return directory
