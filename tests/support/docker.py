"""A real Docker engine, driven through Debian's client, for the recipe tests."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name


DOCKER = "/usr/bin/docker"
BASE_IMAGE = os.environ.get("BASE_IMAGE", "install-locked-test/bookworm-python:1")
RECIPES = Path(__file__).resolve().parents[2] / "docs" / "examples"

INSTALLED = (
    "import importlib.metadata as m, json;"
    "print(json.dumps(sorted([d.metadata['Name'], d.version] for d in m.distributions())))"
)


def engine_problem() -> str | None:
    """Why no engine can be used, or None when one answers."""
    if not Path(DOCKER).exists():
        return f"{DOCKER} is missing: run `bash scripts/docker-engine.sh` as root"
    try:
        subprocess.run([DOCKER, "info"], check=True, capture_output=True, timeout=30)
    except (subprocess.SubprocessError, OSError):
        return "no Docker engine answers: run `bash scripts/docker-engine.sh` as root"
    inspect = subprocess.run(
        [DOCKER, "image", "inspect", BASE_IMAGE], capture_output=True, check=False
    )
    if inspect.returncode != 0:
        return (
            f"base image {BASE_IMAGE} is missing: run `bash scripts/docker-engine.sh`"
        )
    return None


@dataclass(frozen=True)
class Build:
    tag: str
    output: str

    def cached(self, instruction: str) -> bool:
        """Whether the builder reused its cache for the step `instruction`."""
        # BuildKit (--progress=plain): "#9 [4/6] RUN poetry ..." ... "#9 CACHED"
        for match in re.finditer(
            r"^(#\d+) \[[^\]]*\] (.*)$", self.output, re.MULTILINE
        ):
            if match.group(2).strip().startswith(instruction):
                return f"\n{match.group(1)} CACHED" in self.output
        # Classic builder: "Step 4/6 : RUN poetry ..." then " ---> Using cache"
        steps = re.split(r"^Step \d+/\d+ : ", self.output, flags=re.MULTILINE)
        for step in steps[1:]:
            if step.startswith(instruction):
                return "---> Using cache" in step.split("\n", 2)[1]
        raise AssertionError(
            f"no step {instruction!r} in the build output:\n{self.output}"
        )


@dataclass(frozen=True)
class Docker:
    buildkit: bool

    @property
    def builder(self) -> str:
        return "buildkit" if self.buildkit else "classic"

    def build(
        self,
        context: Path,
        recipe: str,
        tag: str,
        base_image: str,
        secrets: dict[str, Path] | None = None,
    ) -> Build:
        """Build docs/examples/`recipe` in `context`, as a user would."""
        shutil.copy2(RECIPES / recipe, context / "Dockerfile")
        command = [DOCKER, "build", "--network=host", "-t", tag]
        command += ["--build-arg", f"BASE_IMAGE={base_image}"]
        if self.buildkit:
            command.append("--progress=plain")
        for name, path in (secrets or {}).items():
            command += ["--secret", f"id={name},src={path}"]
        env = {**os.environ, "DOCKER_BUILDKIT": "1" if self.buildkit else "0"}
        result = subprocess.run(
            [*command, str(context)],
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        output = result.stdout + result.stderr
        if result.returncode != 0:
            raise AssertionError(f"docker build of {recipe} failed:\n{output}")
        return Build(tag, output)

    @staticmethod
    def run(tag: str, *command: str) -> str:
        result = subprocess.run(
            [DOCKER, "run", "--rm", "--network=host", tag, *command],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if result.returncode != 0:
            raise AssertionError(
                f"docker run {tag} failed:\n{result.stdout}{result.stderr}"
            )
        return result.stdout

    @staticmethod
    def history(tag: str) -> str:
        return subprocess.run(
            [DOCKER, "history", "--no-trunc", tag],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    @staticmethod
    def save(tag: str) -> bytes:
        """Every byte of every layer of the image."""
        return subprocess.run(
            [DOCKER, "save", tag], capture_output=True, check=True
        ).stdout

    @classmethod
    def installed(
        cls, tag: str, python: str = "/app/.venv/bin/python"
    ) -> set[tuple[str, str]]:
        """Name and version of every distribution the image's app environment holds."""
        rows = json.loads(cls.run(tag, python, "-c", INSTALLED))
        return {(canonicalize_name(name), version) for name, version in rows}


def derive_base_image(base: str, tag: str, pip_index_url: str) -> str:
    """The tests' stand-in for a public base image: pip installs from the local index."""
    dockerfile = f"FROM {base}\nENV PIP_INDEX_URL={pip_index_url}\n"
    subprocess.run(
        [DOCKER, "build", "--network=host", "-t", tag, "-"],
        input=dockerfile,
        text=True,
        check=True,
        capture_output=True,
        env={**os.environ, "DOCKER_BUILDKIT": "0"},
    )
    return tag


def remove_images(*tags: str) -> None:
    if tags:
        subprocess.run([DOCKER, "rmi", "-f", *tags], capture_output=True, check=False)


def prune_build_cache() -> None:
    """Forget every cached build step, so that a first build is a first build.

    BuildKit keeps its own cache; the classic builder's cache is the chain of
    intermediate images under every image, dangling ones left by rebuilds too.
    """
    subprocess.run([DOCKER, "builder", "prune", "-af"], capture_output=True, check=True)
    subprocess.run([DOCKER, "image", "prune", "-f"], capture_output=True, check=True)
