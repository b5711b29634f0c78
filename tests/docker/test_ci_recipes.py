"""The CI recipes: image builds whose layer cache is exported by one CI job and
imported by the next, on another runner, so that a version bump in between
still finds the dependency layer cached.

Two run here for real, with BuildKit's inline cache: GitLab's, through a
registry on 127.0.0.1, and the directory-cache script, through a directory
(their commands as written, with this engine's own options added: the host
network, the tests' base image and versions). Between the two jobs everything
the first built is removed from the engine but the base image. GitHub's cache
service (`type=gha`, which needs buildx) cannot be reached from here: its
recipe is checked for what it exports and imports.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys

from importlib.metadata import version
from typing import TYPE_CHECKING

import pytest
import yaml

from tests.support.docker import DOCKER
from tests.support.docker import INSTALL_LOCKED
from tests.support.docker import RECIPES
from tests.support.docker import Build
from tests.support.registry import Registry
from tests.support.registry import registry_problem


if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.support.docker import Docker
    from tests.support.poetry_cli import Poetry


pytestmark = pytest.mark.docker


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    if problem := registry_problem():
        pytest.fail(problem)
    registry = Registry(tmp_path / "registry")
    registry.root.mkdir()
    registry.start()
    yield registry
    registry.stop()


# What this engine needs beyond a CI runner's: the host network (no bridge), and
# the tests' base image and versions for the recipe's build arguments.
DOCKER_SHIM = """#!/bin/sh
if [ "$1" = build ]; then
    shift
    exec {docker} build --network=host --progress=plain --iidfile "$IIDS/$({unique})" \\
        --build-arg BASE_IMAGE={base} --build-arg POETRY_VERSION={poetry} \\
        --build-arg PLUGIN_VERSION={plugin} "$@"
fi
exec {docker} "$@"
"""

# A name of its own for each build's image ID file (`date +%N` is GNU's only).
UNIQUE = shlex.join([sys.executable, "-c", "import uuid; print(uuid.uuid4().hex)"])


def run_ci_job(
    script: str, app: Path, buildkit: Docker, base: str, tags: list[str], **env: str
) -> Build:
    """Run a CI job's shell lines in `app` (the checkout), as its runner would,
    with `docker` adding this engine's options. The images it tags and builds
    are the test's, removed afterwards."""
    shim = app.parent / "shim"
    iids = app.parent / "iids"
    shim.mkdir(exist_ok=True)
    iids.mkdir(exist_ok=True)
    (shim / "docker").write_text(
        DOCKER_SHIM.format(
            docker=DOCKER,
            unique=UNIQUE,
            base=base,
            poetry=version("poetry"),
            plugin=version("poetry-plugin-install-locked"),
        )
    )
    (shim / "docker").chmod(0o755)
    shutil.copy2(RECIPES / "basic.Dockerfile", app / "Dockerfile")
    buildkit.created.images += tags
    result = subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=app,
        env={
            **os.environ,
            **env,
            "PATH": f"{shim}{os.pathsep}{os.environ['PATH']}",
            "IIDS": str(iids),
        },
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    buildkit.created.images += [p.read_text().strip() for p in iids.iterdir()]
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    return Build(tags[0], output)


def gitlab_job() -> str:
    """The recipe's script, but for its login: the test registry asks none."""
    job = yaml.safe_load((RECIPES / "gitlab-ci.yml").read_text())["image"]
    assert job["variables"] == {"DOCKER_BUILDKIT": "1"}
    assert job["script"][0].startswith('echo "$CI_REGISTRY_PASSWORD" | docker login')
    return "\n".join(["export DOCKER_BUILDKIT=1", *job["script"][1:]])


def test_gitlab_recipe_reuses_the_dependency_layer_from_the_registry_after_a_bump(
    app: Path, buildkit: Docker, base_image: str, registry: Registry, poetry: Poetry
) -> None:
    base = buildkit.isolated_base(base_image)
    image = f"{registry.host}/app"

    def pipeline(commit: str) -> Build:
        tags = [f"{image}:{commit}", f"{image}:latest"]
        return run_ci_job(
            gitlab_job(), app, buildkit, base, tags,
            CI_REGISTRY_IMAGE=image, CI_COMMIT_SHA=commit,
        )  # fmt: skip

    first = pipeline("first")
    assert not first.cached(INSTALL_LOCKED)
    # The next pipeline runs on another runner: nothing of the first is left on
    # the engine but the base image; the registry holds the rest.
    buildkit.created.remove(keep=(base,))
    poetry.run("version", "patch", cwd=app)
    second = pipeline("second")

    assert "importing cache manifest from" in second.output
    assert second.cached(INSTALL_LOCKED), second.output
    assert not second.cached("COPY . .")
    assert buildkit.run(f"{image}:second") == "app 0.1.1 ok\n"


def test_directory_cache_script_reuses_the_dependency_layer_after_a_bump(
    app: Path, buildkit: Docker, base_image: str, poetry: Poetry
) -> None:
    base = buildkit.isolated_base(base_image)
    script = (RECIPES / "ci-cache-directory.sh").read_text()

    def job(commit: str) -> Build:
        tags = ["app:cache", f"app:{commit}"]
        return run_ci_job(script, app, buildkit, base, tags, CI_COMMIT_SHA=commit)

    first = job("first")
    assert not first.cached(INSTALL_LOCKED)
    assert (app / ".image-cache" / "app.tar").stat().st_size > 0
    # The next job runs on another runner, with the CI's cache directory.
    buildkit.created.remove(keep=(base,))
    poetry.run("version", "patch", cwd=app)
    second = job("second")

    assert second.cached(INSTALL_LOCKED), second.output
    assert not second.cached("COPY . .")
    assert buildkit.run("app:second") == "app 0.1.1 ok\n"


def test_github_recipe_exports_every_layer_to_the_cache_it_imports() -> None:
    steps = yaml.safe_load((RECIPES / "github-actions.yml").read_text())["jobs"][
        "image"
    ]["steps"]
    build = next(s for s in steps if s.get("uses", "").startswith("docker/build-push"))
    assert any(s.get("uses", "").startswith("docker/setup-buildx") for s in steps)
    assert build["with"]["context"] == "."
    assert build["with"]["cache-from"] == "type=gha"
    # mode=max: the layers of every stage are exported, a builder stage's too.
    assert build["with"]["cache-to"] == "type=gha,mode=max"
