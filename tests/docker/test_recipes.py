"""The Docker promise on a real engine: the recipes in docs/examples, built."""

from __future__ import annotations

import re

from typing import TYPE_CHECKING

import pytest

from tests.support.docker import Docker
from tests.support.docker import prune_build_cache
from tests.support.docker import remove_images
from tests.support.projects import PRIVATE
from tests.support.projects import PRIVATE_PASSWORD
from tests.support.projects import PRIVATE_USER
from tests.support.projects import write_docker_app


if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.support.poetry_cli import Poetry
    from tests.support.projects import Fixtures


pytestmark = pytest.mark.docker

INSTALL_LOCKED = "RUN poetry install-locked --only main"


@pytest.fixture
def app(fixtures: Fixtures, poetry: Poetry, tmp_path: Path) -> Path:
    directory = tmp_path / "app"
    write_docker_app(directory, fixtures)
    poetry.run("lock", cwd=directory)
    return directory


@pytest.fixture
def tags() -> Iterator[list[str]]:
    """The test's image tags; the images, and every cached step, go afterwards.

    Builds of equal locks share cache across tests (the lock is the layer's only
    input), so each test starts from an empty build cache.
    """
    created: list[str] = []
    prune_build_cache()
    yield created
    remove_images(*created)
    prune_build_cache()


def tag_for(tags: list[str], request: pytest.FixtureRequest, name: str) -> str:
    tag = "install-locked-test/" + re.sub(
        r"[^a-z0-9]+", "-", f"{request.node.name}-{name}".lower()
    )
    tags.append(tag)
    return tag


@pytest.mark.parametrize("recipe", ["basic.Dockerfile", "multi-stage.Dockerfile"])
def test_dependency_layer_survives_version_bumps_and_code_changes(
    recipe: str,
    docker: Docker,
    app: Path,
    base_image: str,
    poetry: Poetry,
    tags: list[str],
    request: pytest.FixtureRequest,
) -> None:
    tag = tag_for(tags, request, "image")
    first = docker.build(app, recipe, tag, base_image)
    assert not first.cached(INSTALL_LOCKED)
    assert docker.run(tag) == "app 0.1.0 ok\n"
    installed = docker.installed(tag)
    assert {("gitpkg", "1.0"), ("urlpkg", "1.0"), ("sdistonly", "1.0")} <= installed

    lock = (app / "poetry.lock").read_bytes()
    poetry.run("version", "patch", cwd=app)
    assert (app / "poetry.lock").read_bytes() == lock
    bumped = docker.build(app, recipe, tag, base_image)
    assert bumped.cached(INSTALL_LOCKED)
    assert not bumped.cached("COPY . .")
    assert docker.run(tag) == "app 0.1.1 ok\n"

    (app / "app" / "__init__.py").write_text("GREETING = 'changed'\n")
    assert docker.build(app, recipe, tag, base_image).cached(INSTALL_LOCKED)

    pyproject = app / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('"shared",', '"shared",\n    "epsilon",')
    )
    poetry.run("lock", cwd=app)
    relocked = docker.build(app, recipe, tag, base_image)
    assert not relocked.cached(INSTALL_LOCKED)
    assert "Installing epsilon (1.0)" in relocked.output
    assert docker.installed(tag) - installed == {("epsilon", "1.0"), ("app", "0.1.1")}

    reference = tag_for(tags, request, "classic")
    docker.build(app, "classic.Dockerfile", reference, base_image)
    assert docker.installed(tag) == docker.installed(reference)


@pytest.mark.parametrize(
    ("recipe", "python"),
    [
        ("in-project.Dockerfile", "/app/.venv/bin/python"),
        ("system-site.Dockerfile", "python3"),
    ],
)
def test_environment_variants_install_what_the_classic_recipe_installs(
    recipe: str,
    python: str,
    app: Path,
    base_image: str,
    tags: list[str],
    request: pytest.FixtureRequest,
) -> None:
    docker = Docker(buildkit=True)
    tag = tag_for(tags, request, "image")
    docker.build(app, recipe, tag, base_image)
    assert docker.run(tag) == "app 0.1.0 ok\n"

    reference = tag_for(tags, request, "classic")
    docker.build(app, "classic.Dockerfile", reference, base_image)
    locked = {(n, v) for n, v in docker.installed(reference) if n not in {"pip"}}
    assert locked <= docker.installed(tag, python)


def test_cache_mount_recipe(
    app: Path,
    base_image: str,
    poetry: Poetry,
    tags: list[str],
    request: pytest.FixtureRequest,
) -> None:
    docker = Docker(buildkit=True)
    tag = tag_for(tags, request, "image")
    docker.build(app, "cache-mount.Dockerfile", tag, base_image)
    assert docker.run(tag) == "app 0.1.0 ok\n"

    poetry.run("version", "patch", cwd=app)
    rebuilt = docker.build(app, "cache-mount.Dockerfile", tag, base_image)
    assert rebuilt.cached("RUN --mount=type=cache,target=/root/.cache/pypoetry")
    assert docker.run(tag) == "app 0.1.1 ok\n"


def test_private_index_credentials_stay_out_of_the_image(
    fixtures: Fixtures,
    poetry: Poetry,
    base_image: str,
    tmp_path: Path,
    tags: list[str],
    request: pytest.FixtureRequest,
) -> None:
    app = tmp_path / "private-app"
    write_docker_app(app, fixtures, private=True)
    poetry.run("lock", cwd=app)
    auth = tmp_path / "auth.toml"
    auth.write_text(
        f'[http-basic.{PRIVATE}]\nusername = "{PRIVATE_USER}"\npassword = "{PRIVATE_PASSWORD}"\n'
    )

    docker = Docker(buildkit=True)
    tag = tag_for(tags, request, "image")
    build = docker.build(
        app, "private-index.Dockerfile", tag, base_image, {"poetry-auth": auth}
    )

    assert ("secretpkg", "1.0") in docker.installed(tag)
    assert docker.run(tag) == "app 0.1.0 ok\n"
    assert PRIVATE_PASSWORD not in build.output
    assert PRIVATE_PASSWORD not in docker.history(tag)
    assert PRIVATE_PASSWORD.encode() not in docker.save(tag)
