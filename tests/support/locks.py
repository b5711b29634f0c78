"""Small hand-written locks, for tests that need no index and no `poetry lock`."""

from __future__ import annotations

from typing import TYPE_CHECKING


if TYPE_CHECKING:
    from pathlib import Path


# Four packages: from a named source, in a group of their own with a marker,
# behind a root extra, and a directory dependency.
LOCK = """\
[[package]]
name = "Requests"
version = "2.0"
description = ""
optional = false
python-versions = "*"
groups = ["main", "dev"]
files = []

[package.source]
type = "legacy"
url = "https://pkgs.example/simple"
reference = "corp"

[[package]]
name = "pytest"
version = "8.0"
description = ""
optional = false
python-versions = "*"
groups = ["test"]
markers = {test = "python_version >= \\"3.9\\""}
files = []

[[package]]
name = "rich"
version = "13.0"
description = ""
optional = true
python-versions = "*"
groups = ["main"]
markers = "extra == \\"pretty\\""
files = []

[[package]]
name = "lib"
version = "0.1"
description = ""
optional = false
python-versions = "*"
groups = ["main"]
files = []
develop = true

[package.source]
type = "directory"
url = "libs/lib"

[extras]
Pretty = ["rich (>=13)"]

[metadata]
lock-version = "2.1"
python-versions = "^3.9"
content-hash = "0"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "poetry.lock"
    path.write_text(text)
    return path
