"""The fixture projects and the distributions their locks point at.

`app` covers, in one lock: transitive dependencies, a package in both main and
dev, an optional group, root extras and an extra of a dependency, markers that
exclude packages on this platform and Python, an sdist-only package, a direct
URL dependency, a git dependency, and two named sources (one behind basic auth).
`pathapp` adds a directory dependency installed in develop mode.
"""

from __future__ import annotations

import shutil

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tests.support.git_server import create_repository
from tests.support.index import Dist


if TYPE_CHECKING:
    import subprocess

    from pathlib import Path

    from tests.support.git_server import GitDaemon
    from tests.support.index import PackageIndex
    from tests.support.poetry_cli import Poetry


PRIVATE_USER = "deploy"
PRIVATE_PASSWORD = "s3cret-Pa55word"

PUBLIC = "local"
PRIVATE = "private"
# Poetry's variables for the private source's credentials.
PRIVATE_CREDENTIALS = {
    f"POETRY_HTTP_BASIC_{PRIVATE.upper()}_USERNAME": PRIVATE_USER,
    f"POETRY_HTTP_BASIC_{PRIVATE.upper()}_PASSWORD": PRIVATE_PASSWORD,
}

PUBLIC_DISTS = [
    Dist("alpha", "1.0", requires=("beta>=1.0,<2",)),
    Dist("beta", "1.0"),
    Dist("beta", "2.0"),
    Dist("gamma", "1.0", requires=('delta; extra == "fast"',), extras=("fast",)),
    Dist("delta", "1.0"),
    Dist("epsilon", "1.0", requires=("zeta",)),
    Dist("zeta", "1.0"),
    Dist("shared", "1.0"),
    Dist("devtool", "1.0", requires=("shared",)),
    Dist("docsgen", "1.0"),
    Dist("winonly", "1.0"),
    Dist("oldpy", "1.0"),
    Dist("sdistonly", "1.0", requires=("beta",), sdist_only=True),
]
PRIVATE_DISTS = [Dist("secretpkg", "1.0", requires=("alpha",))]
URL_DIST = Dist("urlpkg", "1.0")
GIT_DIST = Dist("gitpkg", "1.0", requires=("zeta",))
PATH_DIST = Dist("localpkg", "0.1", requires=("alpha",))


@dataclass(frozen=True)
class Fixtures:
    """Everything the projects need, served on 127.0.0.1."""

    index: PackageIndex
    git: GitDaemon
    url_dependency: str


def serve_packages(index: PackageIndex) -> None:
    """The public and the private (basic auth) repository's distributions."""
    index.auth[PRIVATE] = (PRIVATE_USER, PRIVATE_PASSWORD)
    for dist in PUBLIC_DISTS:
        index.add(PUBLIC, dist)
    for dist in PRIVATE_DISTS:
        index.add(PRIVATE, dist)
    index.add_tinybackend(PUBLIC)


def serve_fixtures(index: PackageIndex, git: GitDaemon) -> Fixtures:
    serve_packages(index)
    create_repository(git.base, GIT_DIST.name, tinybackend_tree(GIT_DIST), tag="v1.0")
    return Fixtures(index, git, index.add_direct(URL_DIST))


def tinybackend_tree(dist: Dist) -> dict[str, str]:
    requires = ", ".join(f'"{r}"' for r in dist.requires)
    return {
        "pyproject.toml": (
            '[build-system]\nrequires = ["tinybackend"]\nbuild-backend = "tinybackend"\n\n'
            f'[tool.tinybackend]\nname = "{dist.name}"\nversion = "{dist.version}"\n'
            f'requires = [{requires}]\npackages = ["{dist.module}"]\n'
        ),
        **dist.files(),
    }


def sources(index: PackageIndex) -> str:
    return f"""
[[tool.poetry.source]]
name = "{PUBLIC}"
url = "{index.simple_url(PUBLIC)}"
priority = "primary"

[[tool.poetry.source]]
name = "{PRIVATE}"
url = "{index.simple_url(PRIVATE)}"
priority = "explicit"
"""


BUILD_SYSTEM = """
[build-system]
requires = ["poetry-core>=2.0"]
build-backend = "poetry.core.masonry.api"
"""


def write_app(directory: Path, fixtures: Fixtures) -> None:
    directory.mkdir(parents=True)
    (directory / "app").mkdir()
    (directory / "app" / "__init__.py").write_text("")
    (directory / "pyproject.toml").write_text(
        f"""\
[project]
name = "app"
version = "0.1.0"
description = "The application whose dependency layer must survive version bumps."
requires-python = ">=3.9"
dependencies = [
    "alpha>=1.0",
    "gamma[fast]",
    "shared",
    "sdistonly",
    "secretpkg",
    "oldpy; python_version < '3.11'",
    "winonly; sys_platform == 'win32'",
    "urlpkg @ {fixtures.url_dependency}",
    "gitpkg @ git+{fixtures.git.url(GIT_DIST.name)}@v1.0",
]

[project.optional-dependencies]
fancy = ["epsilon"]

[tool.poetry]
packages = [{{ include = "app" }}]

[tool.poetry.dependencies]
secretpkg = {{ source = "{PRIVATE}" }}

[tool.poetry.group.dev.dependencies]
shared = "*"
devtool = "*"

[tool.poetry.group.docs]
optional = true

[tool.poetry.group.docs.dependencies]
docsgen = "*"
{sources(fixtures.index)}{BUILD_SYSTEM}"""
    )


def write_index_app(directory: Path, index: PackageIndex) -> None:
    """A project whose every dependency comes from `index` (wheels, an sdist, and
    a package behind basic auth): for tests that break or tamper with the index."""
    directory.mkdir(parents=True)
    (directory / "pyproject.toml").write_text(
        f"""\
[project]
name = "indexapp"
version = "0.1.0"
requires-python = ">=3.9"
dependencies = ["alpha", "gamma[fast]", "epsilon", "sdistonly", "secretpkg"]

[tool.poetry]
package-mode = false

[tool.poetry.dependencies]
secretpkg = {{ source = "{PRIVATE}" }}
{sources(index)}"""
    )


def write_pathapp(directory: Path, fixtures: Fixtures) -> None:
    directory.mkdir(parents=True)
    (directory / "pathapp").mkdir()
    (directory / "pathapp" / "__init__.py").write_text("")
    for path, text in tinybackend_tree(PATH_DIST).items():
        target = directory / "libs" / PATH_DIST.name / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    (directory / "pyproject.toml").write_text(
        f"""\
[project]
name = "pathapp"
version = "0.1.0"
requires-python = ">=3.9"
dependencies = ["zeta", "localpkg"]

[tool.poetry]
packages = [{{ include = "pathapp" }}]

[tool.poetry.dependencies]
{PATH_DIST.name} = {{ path = "libs/{PATH_DIST.name}", develop = true }}
{sources(fixtures.index)}{BUILD_SYSTEM}"""
    )


DOCKER_APP_MAIN = """\
from importlib.metadata import version

import alpha, delta, gamma, gitpkg, sdistonly, shared, urlpkg  # noqa: F401, E401

print(f"app {version('app')} ok")
"""


def write_docker_app(
    directory: Path, fixtures: Fixtures, *, private: bool = False
) -> None:
    """A runnable application (`python -m app`) for the Docker recipes."""
    directory.mkdir(parents=True)
    (directory / "app").mkdir()
    (directory / "app" / "__init__.py").write_text("")
    (directory / "app" / "__main__.py").write_text(
        DOCKER_APP_MAIN.replace("urlpkg", "secretpkg, urlpkg")
        if private
        else DOCKER_APP_MAIN
    )
    (directory / ".dockerignore").write_text(".venv\n")
    secret = '    "secretpkg",\n' if private else ""
    (directory / "pyproject.toml").write_text(
        f"""\
[project]
name = "app"
version = "0.1.0"
requires-python = ">=3.9"
dependencies = [
    "alpha>=1.0",
    "gamma[fast]",
    "shared",
    "sdistonly",
{secret}    "urlpkg @ {fixtures.url_dependency}",
    "gitpkg @ git+{fixtures.git.url(GIT_DIST.name)}@v1.0",
]

[tool.poetry]
packages = [{{ include = "app" }}]
{f'{chr(10)}[tool.poetry.dependencies]{chr(10)}secretpkg = {{ source = "{PRIVATE}" }}{chr(10)}' if private else ""}
[tool.poetry.group.dev.dependencies]
devtool = "*"
{sources(fixtures.index)}{BUILD_SYSTEM}"""
    )


def copy_project(template: Path, destination: Path) -> Path:
    shutil.copytree(template, destination)
    return destination


def lock_only_copy(template: Path, destination: Path) -> Path:
    """A directory holding only poetry.lock, as after `COPY poetry.lock ./`."""
    destination.mkdir(parents=True)
    shutil.copy2(template / "poetry.lock", destination / "poetry.lock")
    return destination


def install_over(
    poetry: Poetry, project: Path, directory: Path, root: str, *options: str
) -> subprocess.CompletedProcess[str]:
    """After `COPY . .` (`project` over the `directory` install-locked filled),
    `poetry install OPTIONS` adopts its environment and installs only the
    project itself, `root` ("app (0.1.0)")."""
    shutil.copytree(project, directory, dirs_exist_ok=True)
    result = poetry.run("install", *options, cwd=directory)
    assert "No dependencies to install or update" in result.stdout
    assert f"Installing the current project: {root}" in result.stdout
    return result


def with_optional_groups(selection: list[str]) -> list[str]:
    """The documented rule: without pyproject.toml, the optional `docs` group
    of the fixture is a default group, so Poetry is asked for it explicitly."""
    if "--only" in selection or "--all-groups" in selection:
        return selection
    return [*selection, "--with", "docs"]
