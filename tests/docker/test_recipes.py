"""The Docker promise on a real engine: the recipes in docs/examples, built."""

from __future__ import annotations

import re
import subprocess

from typing import TYPE_CHECKING

import pytest
import tomlkit

from packaging.utils import canonicalize_name

from tests.support.docker import INSTALL_LOCKED
from tests.support.projects import PRIVATE
from tests.support.projects import PRIVATE_PASSWORD
from tests.support.projects import PRIVATE_USER
from tests.support.projects import write_docker_app


if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.docker import Docker
    from tests.support.poetry_cli import Poetry
    from tests.support.projects import Fixtures


pytestmark = pytest.mark.docker


@pytest.fixture
def base(docker: Docker, base_image: str) -> str:
    """The base image, under a label of this test's own: its first builds are
    first builds, whatever other tests left in the build cache."""
    return docker.isolated_base(base_image)


def tag_for(request: pytest.FixtureRequest, name: str) -> str:
    return "install-locked-test/" + re.sub(
        r"[^a-z0-9]+", "-", f"{request.node.name}-{name}".lower()
    )


@pytest.mark.parametrize("recipe", ["basic.Dockerfile", "multi-stage.Dockerfile"])
def test_dependency_layer_survives_version_bumps_and_code_changes(
    recipe: str,
    docker: Docker,
    app: Path,
    base: str,
    poetry: Poetry,
    request: pytest.FixtureRequest,
) -> None:
    tag = tag_for(request, "image")
    first = docker.build(app, recipe, tag, base)
    assert not first.cached(INSTALL_LOCKED)
    assert docker.run(tag) == "app 0.1.0 ok\n"
    installed = docker.installed(tag)
    assert {("gitpkg", "1.0"), ("urlpkg", "1.0"), ("sdistonly", "1.0")} <= installed

    lock = (app / "poetry.lock").read_bytes()
    poetry.run("version", "patch", cwd=app)
    assert (app / "poetry.lock").read_bytes() == lock
    bumped = docker.build(app, recipe, tag, base)
    assert bumped.cached(INSTALL_LOCKED)
    assert not bumped.cached("COPY . .")
    assert docker.run(tag) == "app 0.1.1 ok\n"

    (app / "app" / "__init__.py").write_text("GREETING = 'changed'\n")
    assert docker.build(app, recipe, tag, base).cached(INSTALL_LOCKED)

    pyproject = app / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('"shared",', '"shared",\n    "epsilon",')
    )
    poetry.run("lock", cwd=app)
    relocked = docker.build(app, recipe, tag, base)
    assert not relocked.cached(INSTALL_LOCKED)
    assert "Installing epsilon (1.0)" in relocked.output
    assert docker.installed(tag) - installed == {("epsilon", "1.0"), ("app", "0.1.1")}

    reference = tag_for(request, "classic")
    docker.build(app, "classic.Dockerfile", reference, base)
    assert docker.installed(tag) == docker.installed(reference)


def add_dependency(app: Path, name: str, group: str) -> None:
    pyproject = app / "pyproject.toml"
    text = pyproject.read_text()
    if group == "main":
        text = text.replace('"shared",', f'"shared",\n    "{name}",')
    else:
        text = text.replace(
            f"[tool.poetry.group.{group}.dependencies]\n",
            f'[tool.poetry.group.{group}.dependencies]\n{name} = "*"\n',
        )
    pyproject.write_text(text)


def test_slice_recipe_keeps_the_dependency_layer_through_dev_only_lock_changes(
    docker: Docker, app: Path, base: str, poetry: Poetry, request: pytest.FixtureRequest
) -> None:
    tag = tag_for(request, "image")
    first = docker.build(app, "slice.Dockerfile", tag, base)
    assert not first.cached("RUN poetry install-locked")
    assert docker.run(tag) == "app 0.1.0 ok\n"
    installed = docker.installed(tag)

    # A dev dependency added, with the real `poetry lock`: the lock changes,
    # the slicer runs again, the slice does not, nor does the dependency layer.
    lock = (app / "poetry.lock").read_bytes()
    add_dependency(app, "epsilon", "dev")
    poetry.run("lock", cwd=app)
    assert (app / "poetry.lock").read_bytes() != lock
    dev_only = docker.build(app, "slice.Dockerfile", tag, base)
    assert not dev_only.cached("RUN poetry lock-slice")
    assert dev_only.cached("RUN poetry install-locked")
    assert docker.installed(tag) == installed

    # A main dependency added: the slice changes, and the layer installs it.
    add_dependency(app, "docsgen", "main")
    poetry.run("lock", cwd=app)
    main = docker.build(app, "slice.Dockerfile", tag, base)
    assert not main.cached("RUN poetry install-locked")
    assert "Installing docsgen (1.0)" in main.output
    assert docker.installed(tag) - installed == {("docsgen", "1.0")}

    reference = tag_for(request, "classic")
    docker.build(app, "classic.Dockerfile", reference, base)
    assert docker.installed(tag) == docker.installed(reference)


def test_exact_slice_recipe_keeps_the_dependency_layer_through_version_bumps(
    docker: Docker, app: Path, base: str, poetry: Poetry, request: pytest.FixtureRequest
) -> None:
    """The slicer reads pyproject.toml too: a version bump runs it again, and
    its slice, and so the dependency layer, stay as they were."""
    tag = tag_for(request, "image")
    first = docker.build(app, "slice-exact.Dockerfile", tag, base)
    assert not first.cached("RUN poetry install-locked")
    assert docker.run(tag) == "app 0.1.0 ok\n"
    installed = docker.installed(tag)

    poetry.run("version", "patch", cwd=app)
    bumped = docker.build(app, "slice-exact.Dockerfile", tag, base)
    assert not bumped.cached("RUN poetry lock-slice")
    assert bumped.cached("RUN poetry install-locked")
    assert docker.run(tag) == "app 0.1.1 ok\n"

    # A main dependency added: the slice changes, and the layer installs it.
    add_dependency(app, "docsgen", "main")
    poetry.run("lock", cwd=app)
    main = docker.build(app, "slice-exact.Dockerfile", tag, base)
    assert not main.cached("RUN poetry install-locked")
    assert "Installing docsgen (1.0)" in main.output
    assert docker.installed(tag) - installed == {("docsgen", "1.0"), ("app", "0.1.1")}


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
    buildkit: Docker,
    base_image: str,
    request: pytest.FixtureRequest,
) -> None:
    base = buildkit.isolated_base(base_image)
    tag = tag_for(request, "image")
    buildkit.build(app, recipe, tag, base)
    assert buildkit.run(tag) == "app 0.1.0 ok\n"

    reference = tag_for(request, "classic")
    buildkit.build(app, "classic.Dockerfile", reference, base)
    expected = buildkit.installed(reference)
    if python == "python3":
        # The image's own Python: what the recipe added to what the base holds,
        # against the classic virtualenv less what virtualenv seeds it with.
        lock = tomlkit.parse((app / "poetry.lock").read_text())
        ours = {canonicalize_name(str(p["name"])) for p in lock["package"]} | {"app"}
        seeds = {(name, v) for name, v in expected if name not in ours}
        assert {name for name, _ in seeds} <= {"pip"}
        expected -= seeds
        installed = buildkit.installed(tag, python) - buildkit.installed(base, python)
    else:
        installed = buildkit.installed(tag, python)
    assert installed == expected


def test_cache_mount_recipe(
    app: Path,
    buildkit: Docker,
    base_image: str,
    poetry: Poetry,
    request: pytest.FixtureRequest,
) -> None:
    base = buildkit.isolated_base(base_image)
    tag = tag_for(request, "image")
    buildkit.build(app, "cache-mount.Dockerfile", tag, base)
    assert buildkit.run(tag) == "app 0.1.0 ok\n"

    poetry.run("version", "patch", cwd=app)
    rebuilt = buildkit.build(app, "cache-mount.Dockerfile", tag, base)
    assert rebuilt.cached("RUN --mount=type=cache,target=/root/.cache/pypoetry")
    assert buildkit.run(tag) == "app 0.1.1 ok\n"


def with_uv_extra(recipe: str, switch: str, switched: str) -> str:
    """The recipe with the plugin's uv extra, and `switch` (the line that turns
    uv on) made `switched`: both must be in it, or the variant would build the
    recipe as it is and compare Poetry's executor with itself."""
    for text in ('"poetry-plugin-install-locked==', switch):
        assert text in recipe, text
    recipe = recipe.replace(
        '"poetry-plugin-install-locked==', '"poetry-plugin-install-locked[uv]=='
    )
    return recipe.replace(switch, switched)


def with_uv_option(recipe: str) -> str:
    """The recipe with install-locked's `--installer uv`."""
    command = "poetry install-locked --only main"
    return with_uv_extra(recipe, command, f"{command} --installer uv")


def test_uv_recipe_installs_the_classic_set_and_fetches_only_what_is_new(
    app: Path,
    buildkit: Docker,
    base_image: str,
    fixtures: Fixtures,
    poetry: Poetry,
    request: pytest.FixtureRequest,
) -> None:
    base = buildkit.isolated_base(base_image)
    tag = tag_for(request, "image")
    buildkit.build(app, "uv.Dockerfile", tag, base)
    assert buildkit.run(tag) == "app 0.1.0 ok\n"
    reference = tag_for(request, "classic")
    buildkit.build(app, "classic.Dockerfile", reference, base)
    assert buildkit.installed(tag) == buildkit.installed(reference)

    # A new main dependency: uv's cache mount serves every other artifact.
    add_dependency(app, "epsilon", "main")
    poetry.run("lock", cwd=app)
    fixtures.index.served.clear()
    relocked = buildkit.build(app, "uv.Dockerfile", tag, base)
    assert not relocked.cached("RUN --mount=type=cache,target=/root/.cache/uv")
    fetched = {p.rsplit("/", 1)[1] for p in fixtures.index.served if "/files/" in p}
    assert "epsilon-1.0-py3-none-any.whl" in fetched
    # No wheel installed before was fetched again. (What Poetry's executor
    # builds, the sdist and the git dependency, it fetches again with their
    # build backend: its own cache is not mounted in this recipe.)
    assert fetched <= {
        "epsilon-1.0-py3-none-any.whl",
        "sdistonly-1.0.tar.gz",
        "tinybackend-1.0-py3-none-any.whl",
    }
    assert ("epsilon", "1.0") in buildkit.installed(tag)


def test_uv_installs_into_the_images_own_python_as_poetry_does(
    app: Path, buildkit: Docker, base_image: str, request: pytest.FixtureRequest
) -> None:
    """The system-site recipe, with uv: where Poetry installs into a system
    Python (virtualenvs.create false), so does uv."""

    def with_uv(recipe: str) -> str:
        create = "ENV POETRY_VIRTUALENVS_CREATE=false"
        return with_uv_extra(
            recipe, create, f"{create} POETRY_INSTALL_LOCKED_INSTALLER=uv"
        )

    base = buildkit.isolated_base(base_image)
    tag = tag_for(request, "image")
    buildkit.build(app, "system-site.Dockerfile", tag, base, edit=with_uv)
    reference = tag_for(request, "poetry")
    buildkit.build(app, "system-site.Dockerfile", reference, base)
    assert buildkit.run(tag) == "app 0.1.0 ok\n"
    assert buildkit.installed(tag, "python3") == buildkit.installed(
        reference, "python3"
    )


@pytest.mark.parametrize("installer", ["poetry", "uv"])
def test_private_index_credentials_stay_out_of_the_image(
    installer: str,
    fixtures: Fixtures,
    poetry: Poetry,
    buildkit: Docker,
    base_image: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    app = tmp_path / "private-app"
    write_docker_app(app, fixtures, private=True)
    poetry.run("lock", cwd=app)
    auth = tmp_path / "auth.toml"
    auth.write_text(
        f'[http-basic.{PRIVATE}]\nusername = "{PRIVATE_USER}"\npassword = "{PRIVATE_PASSWORD}"\n'
    )

    base = buildkit.isolated_base(base_image)
    tag = tag_for(request, "image")
    build = buildkit.build(
        app,
        "private-index.Dockerfile",
        tag,
        base,
        {"poetry-auth": auth},
        edit=with_uv_option if installer == "uv" else None,
    )

    assert ("secretpkg", "1.0") in buildkit.installed(tag)
    dist_info = "/app/.venv/lib/python3.11/site-packages/secretpkg-1.0.dist-info"
    # Poetry's executor writes "Poetry X.Y.Z", uv "uv".
    written = buildkit.run(tag, "cat", f"{dist_info}/INSTALLER")
    assert written.split()[0].lower() == installer
    assert buildkit.run(tag) == "app 0.1.0 ok\n"
    assert PRIVATE_PASSWORD not in build.output
    assert PRIVATE_PASSWORD not in buildkit.history(tag)
    assert PRIVATE_PASSWORD.encode() not in buildkit.save(tag)


def image_size(tag: str) -> int:
    return int(
        subprocess.run(
            ["docker", "image", "inspect", "--format", "{{.Size}}", tag],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )


def test_pylock_recipe_installs_with_uv_alone_and_keeps_its_layer(
    fixtures: Fixtures,
    poetry: Poetry,
    buildkit: Docker,
    base_image: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    """The production stage has Python and uv, no Poetry: what it installs is
    what Poetry's private-index recipe installs, the credentials reach neither
    the build output nor the image, and its dependency layer stays cached
    through a version bump and a dev-only lock change."""
    app = tmp_path / "app"
    write_docker_app(app, fixtures, private=True, git=False)
    poetry.run("lock", cwd=app)
    auth = tmp_path / "auth.toml"
    auth.write_text(
        f'[http-basic.{PRIVATE}]\nusername = "{PRIVATE_USER}"\npassword = "{PRIVATE_PASSWORD}"\n'
    )
    netrc = tmp_path / "netrc"
    netrc.write_text(
        f"machine 127.0.0.1 login {PRIVATE_USER} password {PRIVATE_PASSWORD}\n"
    )
    secrets = {"poetry-auth": auth, "netrc": netrc}
    base = buildkit.isolated_base(base_image)
    tag = tag_for(request, "image")
    sync = "RUN --mount=type=cache,target=/root/.cache/uv"

    first = buildkit.build(app, "pylock.Dockerfile", tag, base, secrets)
    assert not first.cached(sync)
    assert buildkit.run(tag) == "app 0.1.0 ok\n"
    assert buildkit.run(tag, "sh", "-c", "command -v poetry || echo none") == "none\n"
    reference = tag_for(request, "poetry")
    buildkit.build(
        app, "private-index.Dockerfile", reference, base, {"poetry-auth": auth}
    )
    seeded = {(name, v) for name, v in buildkit.installed(reference) if name == "pip"}
    assert buildkit.installed(tag) == buildkit.installed(reference) - seeded
    assert PRIVATE_PASSWORD not in first.output
    assert PRIVATE_PASSWORD not in buildkit.history(tag)
    print(f"image sizes: pylock {image_size(tag)}, Poetry {image_size(reference)}")
    assert image_size(tag) < image_size(reference)

    poetry.run("version", "patch", cwd=app)
    bumped = buildkit.build(app, "pylock.Dockerfile", tag, base, secrets)
    assert bumped.cached(sync)
    assert buildkit.run(tag) == "app 0.1.1 ok\n"

    add_dependency(app, "epsilon", "dev")
    poetry.run("lock", cwd=app)
    revalidated = len(fixtures.index.revalidated)
    dev_only = buildkit.build(app, "pylock.Dockerfile", tag, base, secrets)
    assert not dev_only.cached("RUN --mount=type=cache,target=/root/.cache/pypoetry")
    assert dev_only.cached(sync)
    # The slicer ran again with Poetry's cache of its last run (a cache mount):
    # the index answered its pages 304, with no page.
    assert len(fixtures.index.revalidated) > revalidated

    # pip alone, from the same kind of file.
    with_pip = tag_for(request, "pip")
    buildkit.build(app, "pylock-pip.Dockerfile", with_pip, base, secrets)
    assert buildkit.run(with_pip) == "app 0.1.1 ok\n"
    # Less what `python3 -m venv` seeds (pip, and Debian's setuptools).
    assert {
        (name, v)
        for name, v in buildkit.installed(with_pip)
        if name not in ("pip", "setuptools")
    } == buildkit.installed(tag)
