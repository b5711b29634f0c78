"""A minimal PEP 517/660 build backend, and the wheel writer the tests share.

The test suite serves this file as the module of the `tinybackend` wheel on its
local index, so sdists, git and path dependencies build without any public
index. A project using it declares, in pyproject.toml:

    [build-system]
    requires = ["tinybackend"]
    build-backend = "tinybackend"

    [tool.tinybackend]
    name = "pkg"
    version = "1.0"
    requires = ["dep>=1"]          # Requires-Dist lines, markers allowed
    packages = ["pkg"]             # top-level package directories
"""

from __future__ import annotations

import ast
import base64
import hashlib
import zipfile

from pathlib import Path
from typing import Any


def metadata_text(
    name: str,
    version: str,
    requires: list[str] | tuple[str, ...] = (),
    extras: list[str] | tuple[str, ...] = (),
    requires_python: str | None = None,
) -> str:
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    if requires_python:
        lines.append(f"Requires-Python: {requires_python}")
    lines += [f"Provides-Extra: {extra}" for extra in extras]
    lines += [f"Requires-Dist: {requirement}" for requirement in requires]
    return "\n".join(lines) + "\n"


def write_wheel(
    directory: Path | str,
    name: str,
    version: str,
    files: dict[str, str],
    requires: list[str] | tuple[str, ...] = (),
    extras: list[str] | tuple[str, ...] = (),
    requires_python: str | None = None,
) -> str:
    """Write a pure-Python wheel holding `files` (archive path: text)."""
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    contents = dict(files)
    contents[f"{info}/METADATA"] = metadata_text(
        name, version, requires, extras, requires_python
    )
    contents[f"{info}/WHEEL"] = (
        "Wheel-Version: 1.0\nGenerator: tinybackend\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n"
    )
    record = []
    for path, text in contents.items():
        digest = hashlib.sha256(text.encode()).digest()
        encoded = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        record.append(f"{path},sha256={encoded},{len(text.encode())}")
    record.append(f"{info}/RECORD,,")
    contents[f"{info}/RECORD"] = "\n".join(record) + "\n"

    filename = f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(Path(directory) / filename, "w") as archive:
        for path, text in sorted(contents.items()):
            # A fixed timestamp keeps the bytes, hence the hash, reproducible;
            # and a fixed system (zipfile records Windows' as 0, Unix's as 3).
            member = zipfile.ZipInfo(path, (2020, 1, 1, 0, 0, 0))
            member.create_system = 3
            archive.writestr(member, text)
    return filename


def _config() -> dict[str, Any]:
    """[tool.tinybackend]: `key = value` lines whose values, strings and lists of
    strings, read as Python literals, so the backend needs no TOML parser and
    runs on every Python."""
    config: dict[str, Any] = {}
    section = ""
    for line in Path("pyproject.toml").read_text().splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section == "[tool.tinybackend]" and "=" in line:
            key, value = line.split("=", 1)
            config[key.strip()] = ast.literal_eval(value.strip())
    return config


def _sources(packages: list[str]) -> dict[str, str]:
    return {
        path.as_posix(): path.read_text()
        for package in packages
        for path in sorted(Path(package).rglob("*.py"))
    }


def get_requires_for_build_wheel(config_settings: Any = None) -> list[str]:
    return []


def get_requires_for_build_editable(config_settings: Any = None) -> list[str]:
    return []


def build_wheel(
    wheel_directory: str, config_settings: Any = None, metadata_directory: Any = None
) -> str:
    config = _config()
    return write_wheel(
        wheel_directory,
        config["name"],
        config["version"],
        _sources(config.get("packages", [])),
        config.get("requires", []),
    )


def build_editable(
    wheel_directory: str, config_settings: Any = None, metadata_directory: Any = None
) -> str:
    config = _config()
    dist = config["name"].replace("-", "_")
    return write_wheel(
        wheel_directory,
        config["name"],
        config["version"],
        {f"_{dist}_editable.pth": str(Path.cwd().resolve()) + "\n"},
        config.get("requires", []),
    )
