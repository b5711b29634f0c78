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

import pytest

from tests.support.git_server import create_repository
from tests.support.index import Dist


if TYPE_CHECKING:
    import subprocess

    from pathlib import Path

    from tests.support.git_server import GitDaemon
    from tests.support.index import PackageIndex
    from tests.support.poetry_cli import Poetry


# The selections of the fixture app that the differential tests compare: every
# kind of group option, with its optional docs group, and its extras.
SELECTIONS = [
    pytest.param([], id="default"),
    pytest.param(["--only", "main"], id="only-main"),
    pytest.param(["--with", "docs"], id="with-docs"),
    pytest.param(["--without", "dev"], id="without-dev"),
    pytest.param(["--all-groups"], id="all-groups"),
    pytest.param(["-E", "fancy"], id="extras"),
    pytest.param(["--all-extras"], id="all-extras"),
]

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
    # Two releases that a resolution for one Python tells apart (resolveapp).
    Dist("twin", "1.0", requires_python=">=3.9"),
    Dist("twin", "2.0", requires=("zeta",), requires_python=">=3.11"),
    Dist("duo", "1.0"),
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


def write_app(directory: Path, fixtures: Fixtures, *, git: str | None = None) -> None:
    """The app; its git dependency from the git daemon, or from `git`."""
    git = git or fixtures.git.url(GIT_DIST.name)
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
    "gitpkg @ git+{git}@v1.0",
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


def write_file_git_app(directory: Path, fixtures: Fixtures) -> None:
    """The app, its git dependency from a file:// URL: uv reads git over https,
    ssh and file only, not the git daemon's git://."""
    write_app(
        directory, fixtures, git=(fixtures.git.base / f"{GIT_DIST.name}.git").as_uri()
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


def write_resolveapp(directory: Path, fixtures: Fixtures) -> None:
    """The two shapes of lock where resolving again for one environment, as
    Poetry before 2.3 does by default, installs other than the lock's groups and
    markers say:

    - `twin`, locked at 1.0 under `python_version < "3.14"` and at 2.0 (for
      Python >= 3.11 only) under `python_version >= "3.14"`: resolved for
      Python 3.11 to 3.13, it is 2.0 (and zeta, which only 2.0 needs);
    - `duo`, the `pair` extra's and a plain dev dependency: Poetry 2.0 to 2.2
      lock it in main with no extra marker, so `--only main` installs it from
      the lock, while resolving again leaves it out (Poetry >= 2.3 locks it
      under `extra == "pair"`).
    """
    directory.mkdir(parents=True)
    (directory / "pyproject.toml").write_text(
        f"""\
[tool.poetry]
package-mode = false

[tool.poetry.dependencies]
python = ">=3.9"
alpha = "*"
twin = [
    {{ version = "*", python = "<3.14" }},
    {{ version = ">=2", python = ">=3.14" }},
]
duo = {{ version = "*", optional = true }}

[tool.poetry.extras]
pair = ["duo"]

[tool.poetry.group.dev.dependencies]
duo = "*"
{sources(fixtures.index)}"""
    )


def write_legacyapp(directory: Path, fixtures: Fixtures) -> None:
    """The `app` of the fixtures and `pathapp`'s directory dependency, declared
    as Poetry 1.x reads a project (`[tool.poetry]` only), for a lock Poetry 1.8
    writes (lock-version 2.0, no groups or markers per package)."""
    directory.mkdir(parents=True)
    (directory / "legacyapp").mkdir()
    (directory / "legacyapp" / "__init__.py").write_text("")
    for path, text in tinybackend_tree(PATH_DIST).items():
        target = directory / "libs" / PATH_DIST.name / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    git = fixtures.git.url(GIT_DIST.name)
    (directory / "pyproject.toml").write_text(
        f"""\
[tool.poetry]
name = "legacyapp"
version = "0.1.0"
description = "The application, as a Poetry 1.x project."
authors = ["tests <tests@example.invalid>"]
packages = [{{ include = "legacyapp" }}]

[tool.poetry.dependencies]
python = ">=3.9"
alpha = ">=1.0"
gamma = {{ version = "*", extras = ["fast"] }}
shared = "*"
sdistonly = "*"
secretpkg = {{ version = "*", source = "{PRIVATE}" }}
oldpy = {{ version = "*", python = "<3.11" }}
winonly = {{ version = "*", markers = "sys_platform == 'win32'" }}
urlpkg = {{ url = "{fixtures.url_dependency}" }}
gitpkg = {{ git = "{git}", tag = "v1.0" }}
{PATH_DIST.name} = {{ path = "libs/{PATH_DIST.name}", develop = true }}
epsilon = {{ version = "*", optional = true }}

[tool.poetry.extras]
fancy = ["epsilon"]

[tool.poetry.group.dev.dependencies]
shared = "*"
devtool = "*"

[tool.poetry.group.docs]
optional = true

[tool.poetry.group.docs.dependencies]
docsgen = "*"
{sources(fixtures.index)}
[build-system]
requires = ["poetry-core>=1.0"]
build-backend = "poetry.core.masonry.api"
"""
    )


DOCKER_APP_MAIN = """\
from importlib.metadata import version

import alpha, delta, gamma, gitpkg, sdistonly, shared, urlpkg  # noqa: F401, E401

print(f"app {version('app')} ok")
"""


def write_docker_app(
    directory: Path, fixtures: Fixtures, *, private: bool = False, git: bool = True
) -> None:
    """A runnable application (`python -m app`) for the Docker recipes: with a
    dependency from the private source, or without the git dependency (uv takes
    git over https, ssh or file only, not the tests' git://)."""
    directory.mkdir(parents=True)
    (directory / "app").mkdir()
    (directory / "app" / "__init__.py").write_text("")
    main = DOCKER_APP_MAIN
    if private:
        main = main.replace("urlpkg", "secretpkg, urlpkg")
    if not git:
        main = main.replace("gitpkg, ", "")
    (directory / "app" / "__main__.py").write_text(main)
    (directory / ".dockerignore").write_text(".venv\n")
    secret = '    "secretpkg",\n' if private else ""
    gitpkg = (
        f'    "gitpkg @ git+{fixtures.git.url(GIT_DIST.name)}@v1.0",\n' if git else ""
    )
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
{gitpkg}]

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
    poetry: Poetry,
    project: Path,
    directory: Path,
    root: str | None,
    *options: str,
    **variables: str,
) -> subprocess.CompletedProcess[str]:
    """After `COPY . .` (`project` over the `directory` install-locked filled),
    `poetry install OPTIONS` adopts its environment and installs only the
    project itself, `root` ("app (0.1.0)"; None: a project in non-package mode,
    so nothing at all)."""
    shutil.copytree(project, directory, dirs_exist_ok=True)
    result = poetry.run("install", *options, cwd=directory, env=variables)
    assert "No dependencies to install or update" in result.stdout
    if root is not None:
        assert f"Installing the current project: {root}" in result.stdout
    else:
        assert "Installing the current project" not in result.stdout
    return result


def with_optional_groups(selection: list[str]) -> list[str]:
    """The documented rule: without pyproject.toml, the optional `docs` group
    of the fixture is a default group, so Poetry is asked for it explicitly."""
    if "--only" in selection or "--all-groups" in selection:
        return selection
    return [*selection, "--with", "docs"]
