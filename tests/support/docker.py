"""A real Docker engine, driven through Debian's client, for the recipe tests."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import uuid

from dataclasses import dataclass
from dataclasses import field
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name


if TYPE_CHECKING:
    from collections.abc import Callable


# Debian's client where it is (scripts/docker-engine.sh installs it), else the
# one on PATH.
DOCKER = (
    "/usr/bin/docker"
    if Path("/usr/bin/docker").exists()
    else shutil.which("docker") or "/usr/bin/docker"
)
ROOT = Path(__file__).resolve().parents[2]
BASE_IMAGE = os.environ.get("BASE_IMAGE", "install-locked-test/bookworm-python:1")
RECIPES = ROOT / "docs" / "examples"
INSTALL_LOCKED = "RUN poetry install-locked --only main"  # the recipes' step

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


def cache_records() -> set[str]:
    """The IDs of BuildKit's cache records on the engine."""
    listing = subprocess.run(
        [DOCKER, "system", "df", "-v", "--format", "{{json .BuildCache}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {record["ID"] for record in json.loads(listing or "[]") or []}


ISOLATED = "install-locked-test.isolated"


@dataclass
class Created:
    """What a test creates on the engine, to remove afterwards, and nothing else.

    Images by tag and by ID, and every image built on an isolated base, found by
    the label it inherits from that base: a rebuild leaves the previous image
    dangling, the classic builder keeps its cached steps as intermediate images
    (and a multi-stage build its builder stage's). BuildKit keeps its cache
    apart, as records that outlive the images: those made since `begin()` are
    pruned one by one (a record goes once nothing built on it is left). Never an
    engine-wide prune.
    """

    before: frozenset[str] = frozenset()
    images: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    @classmethod
    def begin(cls) -> Created:
        return cls(frozenset(cache_records()))

    def remove(self, *, keep: tuple[str, ...] = ()) -> None:
        """Remove it all, but the images `keep` names (as a CI runner's next
        job would start: the base image there, every build and cache gone)."""
        kept = {image_id(image) for image in keep}
        remove_images(*(i for i in reversed(self.images) if i not in keep))
        self.images = [i for i in self.images if i in keep]
        for label in self.labels:
            while labelled := [i for i in _images_labelled(label) if i not in kept]:
                remove_images(*labelled)
                if _images_labelled(label) == labelled:
                    break
        pruned = True
        while pruned and (ours := cache_records() - self.before):
            pruned = False
            for record in sorted(ours):
                result = subprocess.run(
                    [DOCKER, "builder", "prune", "-f", "--filter", f"id={record}"],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                pruned |= record in result.stdout


def image_id(image: str) -> str:
    return subprocess.run(
        [DOCKER, "image", "inspect", "--format", "{{.Id}}", image],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def _images_labelled(label: str) -> list[str]:
    return subprocess.run(
        [
            DOCKER,
            "images",
            "-aq",
            "--no-trunc",
            "--filter",
            f"label={ISOLATED}={label}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()


@dataclass(frozen=True)
class Docker:
    buildkit: bool
    created: Created

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
        options: tuple[str, ...] = (),
        edit: Callable[[str], str] | None = None,
    ) -> Build:
        """Build docs/examples/`recipe` in `context`, as a user would (with
        `options` as a CI recipe's command line gives them, and the recipe
        changed by `edit`, for a variant)."""
        text = (RECIPES / recipe).read_text()
        (context / "Dockerfile").write_text(edit(text) if edit else text)
        with tempfile.TemporaryDirectory() as scratch:
            iidfile = Path(scratch) / "iid"
            command = [DOCKER, "build", "--network=host", "-t", tag]
            command += ["--iidfile", str(iidfile)]
            command += ["--build-arg", f"BASE_IMAGE={base_image}"]
            # The recipes pin the versions they install; the tests, their own.
            command += ["--build-arg", f"POETRY_VERSION={version('poetry')}"]
            plugin = version("poetry-plugin-install-locked")
            command += ["--build-arg", f"PLUGIN_VERSION={plugin}"]
            if self.buildkit:
                command.append("--progress=plain")
            for name, path in (secrets or {}).items():
                command += ["--secret", f"id={name},src={path}"]
            command += options
            self.created.images += [
                value for flag, value in zip(options, options[1:]) if flag == "--tag"
            ]
            env = {**os.environ, "DOCKER_BUILDKIT": "1" if self.buildkit else "0"}
            self.created.images.append(tag)
            result = subprocess.run(
                [*command, str(context)],
                env=env,
                capture_output=True,
                text=True,
                timeout=900,
                check=False,
            )
            if iidfile.exists():
                self.created.images.append(iidfile.read_text().strip())
        output = result.stdout + result.stderr
        if result.returncode != 0:
            raise AssertionError(f"docker build of {recipe} failed:\n{output}")
        return Build(tag, output)

    def isolated_base(self, base_image: str) -> str:
        """`base_image` under a label of its own: no step built on it can be
        served from the cache of another test's builds."""
        tag = f"install-locked-test/isolated:{uuid.uuid4().hex[:12]}"
        self.created.images.append(tag)
        self.created.labels.append(tag)
        return derive_image(base_image, tag, f"LABEL {ISOLATED}={tag}")

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

    def push(self, tag: str) -> None:
        subprocess.run([DOCKER, "push", "-q", tag], capture_output=True, check=True)

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


def derive_base_image(base: str, tag: str, index_url: str) -> str:
    """The tests' stand-in for a public base image: pip and uv install from the
    local index, the tests' stand-in for PyPI."""
    return derive_image(
        base, tag, f"ENV PIP_INDEX_URL={index_url} UV_DEFAULT_INDEX={index_url}"
    )


def derive_image(base: str, tag: str, *instructions: str) -> str:
    """`base` with Dockerfile `instructions` (no RUN), by the classic builder."""
    subprocess.run(
        [DOCKER, "build", "--network=host", "-t", tag, "-"],
        input="\n".join([f"FROM {base}", *instructions, ""]),
        text=True,
        check=True,
        capture_output=True,
        env={**os.environ, "DOCKER_BUILDKIT": "0"},
    )
    return tag


def remove_images(*tags: str) -> None:
    if tags:
        subprocess.run([DOCKER, "rmi", "-f", *tags], capture_output=True, check=False)
