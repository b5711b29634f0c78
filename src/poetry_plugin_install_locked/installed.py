"""What is installed in an environment, read from its site-packages.

Kept apart from Poetry's internals, which the executor needs it beside.
"""

from __future__ import annotations

import csv

from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name


if TYPE_CHECKING:
    from packaging.utils import NormalizedName
    from poetry.utils.env import Env


def site_packages(env: Env) -> list[str]:
    """Where installers put distributions in the environment."""
    return sorted({env.paths["purelib"], env.paths["platlib"]})


def interrupted_installs(env: Env) -> set[NormalizedName]:
    """The distributions whose install was cut short (Ctrl-C, `docker stop`):
    a dist-info without its INSTALLER (Poetry's installer and uv write it after
    the files) whose RECORD is missing or lists files that are not there.
    Poetry takes them as installed. Only dist-infos without INSTALLER are read
    further."""
    return {
        canonicalize_name(dist_info.name.split("-", 1)[0])
        for directory in site_packages(env)
        for dist_info in Path(directory).glob("*.dist-info")
        if not (dist_info / "INSTALLER").exists() and _incomplete(dist_info)
    }


def _incomplete(dist_info: Path) -> bool:
    record = dist_info / "RECORD"
    try:
        text = record.read_text(encoding="utf-8")  # as PEP 376 writes it
        rows = [row for row in csv.reader(text.splitlines()) if row]
    except (OSError, UnicodeDecodeError, csv.Error):
        return True
    return not rows or any(not (dist_info.parent / row[0]).exists() for row in rows)
