"""The Docker layer story, offline, with the real `poetry` and this plugin.

It builds an example project whose dependencies are served on 127.0.0.1, installs
them from a directory holding only poetry.lock (the dependency layer), bumps the
project's version, and shows that poetry.lock, the layer's only input, is
unchanged; then `poetry install` over the full project installs only the root.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
import tempfile

from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.git_server import GitDaemon
from tests.support.index import PackageIndex
from tests.support.poetry_cli import Poetry
from tests.support.poetry_cli import installed_set
from tests.support.projects import PRIVATE
from tests.support.projects import PRIVATE_PASSWORD
from tests.support.projects import PRIVATE_USER
from tests.support.projects import serve_fixtures
from tests.support.projects import write_app


def step(title: str) -> None:
    print(f"\n\033[1m==> {title}\033[0m", flush=True)


def show(poetry: Poetry, *args: str, cwd: Path) -> str:
    print(f"$ poetry {' '.join(args)}", flush=True)
    result = poetry.run(*args, cwd=cwd)
    print((result.stderr + result.stdout).rstrip(), flush=True)
    return result.stdout


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="install-locked-demo-"))
    index = PackageIndex(work / "index")
    git = GitDaemon(work / "git")
    (work / "git").mkdir()
    index.start()
    git.start()
    try:
        step(
            f"Serving the example's dependencies on {index.url} (and a git repository)"
        )
        fixtures = serve_fixtures(index, git)
        poetry = Poetry(
            work / "poetry-home",
            {
                f"POETRY_HTTP_BASIC_{PRIVATE.upper()}_USERNAME": PRIVATE_USER,
                f"POETRY_HTTP_BASIC_{PRIVATE.upper()}_PASSWORD": PRIVATE_PASSWORD,
            },
        )
        project = work / "app"
        write_app(project, fixtures)

        step("Locking the example project (poetry lock)")
        show(poetry, "lock", cwd=project)
        lock_hash = sha256(project / "poetry.lock")
        print(f"poetry.lock sha256 {lock_hash}")

        step(
            "Dependency layer: a directory with only poetry.lock (COPY poetry.lock ./)"
        )
        layer = work / "image" / "app"
        layer.mkdir(parents=True)
        shutil.copy2(project / "poetry.lock", layer)
        print(f"$ ls {layer}\n{' '.join(p.name for p in layer.iterdir())}")
        show(poetry, "install-locked", "--only", "main", cwd=layer)
        installed = sorted(f"{n}=={v}" for n, v, _ in installed_set(layer / ".venv"))
        print(f"installed into {layer / '.venv'}: {', '.join(installed)}")

        step("A release: poetry version patch")
        show(poetry, "version", "patch", cwd=project)
        new_hash = sha256(project / "poetry.lock")
        print(f"poetry.lock sha256 {new_hash}")
        if new_hash != lock_hash:
            print("poetry.lock changed: the dependency layer would be rebuilt")
            return 1
        print("poetry.lock is byte-identical, so `COPY poetry.lock ./` and")
        print("`RUN poetry install-locked` stay cached: no dependency is reinstalled.")

        step("Code layer: COPY . . then poetry install --only main")
        shutil.copytree(project, layer, dirs_exist_ok=True)
        output = show(poetry, "install", "--only", "main", cwd=layer)
        if "No dependencies to install or update" not in output:
            print("poetry install installed dependencies again")
            return 1
        print("\nDone: the dependency layer survived the version bump.")
        return 0
    finally:
        git.stop()
        index.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
