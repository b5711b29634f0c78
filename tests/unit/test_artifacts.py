"""The artifact handed to uv is the one Poetry's own chooser picks from every file
the lock lists, for this interpreter's tags and Poetry's binary policies: the
plugin's shortcuts (unsupported wheels left out, tags ranked from a table) change
how fast the choice is made, never what it is."""

from __future__ import annotations

import hashlib

from typing import TYPE_CHECKING

import pytest

from packaging.tags import sys_tags
from poetry.config.config import Config
from poetry.core.packages.package import Package
from poetry.core.packages.utils.link import Link
from poetry.installation.chooser import Chooser
from poetry.repositories import RepositoryPool
from poetry.repositories.repository import Repository
from poetry.utils.env import MockEnv

from poetry_plugin_install_locked.artifacts import ArtifactChooser
from poetry_plugin_install_locked.artifacts import RankedTags


if TYPE_CHECKING:
    from pathlib import Path


TAGS = list(sys_tags())
HERE = TAGS[0]  # the interpreter's best tag, e.g. cp311-cp311-manylinux_2_36_x86_64
ABI3 = next((t for t in TAGS if t.abi == "abi3"), HERE)
LAST = TAGS[-1]  # the least preferred, e.g. py30-none-any


def wheel(tag: str, build: str = "") -> str:
    return f"demo-1.0{'-' + build if build else ''}-{tag}.whl"


def every_platform() -> list[str]:
    return [
        wheel(f"cp{minor}-cp{minor}-{platform}")
        for minor in ("39", "310", "311", "312", "313")
        for platform in (
            "manylinux_2_17_x86_64.manylinux2014_x86_64",
            "manylinux_2_28_aarch64",
            "musllinux_1_2_x86_64",
            "macosx_11_0_arm64",
            "win_amd64",
        )
    ]


FILE_SETS = {
    "a wheel per platform and Python, and the sdist": [
        *every_platform(),
        "demo-1.0.tar.gz",
    ],
    "a pure wheel and the sdist": ["demo-1.0-py3-none-any.whl", "demo-1.0.tar.gz"],
    "wheels of several ranks here": [
        wheel(f"{LAST.interpreter}-{LAST.abi}-{LAST.platform}"),
        wheel(f"{ABI3.interpreter}-{ABI3.abi}-{ABI3.platform}"),
        wheel(f"{HERE.interpreter}-{HERE.abi}-{HERE.platform}"),
        "demo-1.0-py3-none-any.whl",
        "demo-1.0.zip",
    ],
    "build tags": [
        wheel("py3-none-any", build="1"),
        wheel("py3-none-any", build="2b"),
        wheel(f"{HERE.interpreter}-{HERE.abi}-{HERE.platform}"),
    ],
    "only other platforms' wheels": [wheel("cp311-cp311-win_amd64")],
    "only the sdist": ["demo-1.0.tar.gz"],
    "an egg and an odd name": ["demo-1.0-py3.11.egg", "demo_1.0-py3-none-any.whl"],
    "a wheel name Poetry cannot read, for another platform": [
        "demo-v1.0-cp27-cp27m-win32.whl",
        "demo-1.0-py3-none-any.whl",
    ],
}
POLICIES = {
    "default": {},
    "no-binary :all:": {"no-binary": [":all:"]},
    "only-binary :all:": {"only-binary": [":all:"]},
    "no-binary demo": {"no-binary": ["demo"]},
}


class EveryLockedFile(Repository):
    """Every file the lock lists, as Poetry's chooser would see them from an index."""

    def find_links_for_package(self, package: Package) -> list[Link]:
        return [
            Link(f"https://index.invalid/{f['file']}#{f['hash'].replace(':', '=', 1)}")
            for f in package.files
        ]


def locked(files: list[str]) -> Package:
    package = Package("demo", "1.0")
    package.files = [
        {"file": name, "hash": "sha256:" + hashlib.sha256(name.encode()).hexdigest()}
        for name in files
    ]
    return package


def poetrys_choice(package: Package, env: MockEnv, config: Config) -> str | None:
    pool = RepositoryPool([EveryLockedFile("pypi")], config=config)
    try:
        return Chooser(pool, env, config).choose_for(package).filename
    except Exception:  # noqa: BLE001 - no file Poetry would take
        return None


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("files", FILE_SETS)
def test_the_artifact_handed_to_uv_is_the_one_poetrys_chooser_picks(
    files: str, policy: str, tmp_path: Path
) -> None:
    env = MockEnv(path=tmp_path, is_venv=True, supported_tags=TAGS)
    config = Config()
    config.merge({"installer": POLICIES[policy]})
    package = locked(FILE_SETS[files])

    choice = ArtifactChooser(env, config).choose(package)

    expected = poetrys_choice(package, env, config)
    assert (choice[0] if choice else None) == expected
    if choice is not None:
        assert choice[1] == next(
            f["hash"] for f in package.files if f["file"] == choice[0]
        )


def test_ranked_tags_answer_as_the_list_does() -> None:
    ranked = RankedTags([*TAGS, TAGS[0]])  # a repeated tag keeps its first rank
    for tag in (TAGS[0], TAGS[len(TAGS) // 2], TAGS[-1]):
        assert tag in ranked
        assert ranked.index(tag) == TAGS.index(tag)
    assert HERE not in RankedTags(TAGS[1:])
    with pytest.raises(ValueError, match="not in list"):
        RankedTags(TAGS[1:]).index(HERE)
