"""The uv executor: Poetry decides, uv installs.

With `--installer uv` Poetry still decides everything: the selection, the
environment, the operations (installs, updates, removals), the artifact of each
package (Poetry's choice, pinned by its hash from the lock), and the output.
What uv then does is install and remove the packages that come from a package
index, the bulk of any lock, in one call per source: fast, from its cache, each
artifact checked against the lock's hash. Packages from git, a URL, a file or a
directory stay with Poetry's own executor, whose direct_url.json the next
`poetry install` compares.

Credentials come from Poetry (its configuration, POETRY_HTTP_BASIC_* variables,
keyring), by source name, and reach uv only through its environment.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import signal
import subprocess
import threading

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from cleo.io.outputs.output import Verbosity
from packaging.utils import canonicalize_name
from poetry.installation.operations import Update

from poetry_plugin_install_locked.exceptions import InstallLockedError
from poetry_plugin_install_locked.poetry_api import choose_artifacts
from poetry_plugin_install_locked.poetry_api import http_credentials
from poetry_plugin_install_locked.poetry_api import package_indexes


if TYPE_CHECKING:
    from collections.abc import Mapping
    from collections.abc import Sequence

    from cleo.io.io import IO
    from poetry.core.packages.package import Package
    from poetry.installation.operations.operation import Operation
    from poetry.poetry import Poetry
    from poetry.utils.env import Env


INSTALLERS = ("poetry", "uv")
INSTALLER_VARIABLE = "POETRY_INSTALL_LOCKED_INSTALLER"
INDEX_SOURCES = (None, "legacy")
PYPI_URL = "https://pypi.org/simple/"
# uv settings that would change what is installed, or from where: Poetry's to
# decide. Those that change how (cache, link mode, timeouts, TLS) are the user's.
UV_DECIDES_NOT = re.compile(
    r"^UV_(INDEX|DEFAULT_INDEX|EXTRA_INDEX_URL|FIND_LINKS|NO_INDEX|NO_BINARY|"
    r"ONLY_BINARY|NO_BUILD|CONSTRAINT|OVERRIDE|BUILD_CONSTRAINT|TORCH_BACKEND|"
    r"KEYRING_PROVIDER|PYTHON|SYSTEM_PYTHON|BREAK_SYSTEM_PACKAGES|PRERELEASE|"
    r"RESOLUTION|EXCLUDE_NEWER|CONFIG_FILE|NO_CONFIG|OFFLINE|REQUIRE_HASHES)"
)


def installer_choice(option: str | None) -> str:
    """`--installer`, else POETRY_INSTALL_LOCKED_INSTALLER, else Poetry's."""
    choice = option or os.environ.get(INSTALLER_VARIABLE) or "poetry"
    if choice not in INSTALLERS:
        origin = "--installer" if option else INSTALLER_VARIABLE
        raise InstallLockedError(
            f"{origin} is {choice!r}: it can be {' or '.join(INSTALLERS)}."
        )
    return choice


def find_uv() -> str:
    """The uv binary: the one the `uv` package installed beside the plugin
    (the [uv] extra), else one on PATH."""
    try:
        from uv import find_uv_bin

        return str(find_uv_bin())
    except (ImportError, FileNotFoundError):
        pass
    if found := shutil.which("uv"):
        return found
    raise InstallLockedError(
        "--installer uv needs uv: install the plugin with its uv extra"
        ' (pip install "poetry-plugin-install-locked[uv]", beside Poetry),'
        " or put uv on PATH."
    )


def is_from_an_index(package: Package) -> bool:
    return package.source_type in INDEX_SOURCES


@dataclass(frozen=True)
class Index:
    """A package index as uv is told of it."""

    name: str
    url: str
    searched: bool = True
    """Whether Poetry searches it for what the lock does not pin (build
    requirements); an explicit source only serves its own packages."""

    @property
    def uv_name(self) -> str:
        return re.sub(r"[^A-Za-z0-9._-]", "-", self.name)

    @property
    def variable_stem(self) -> str:
        """The name in environment variables, uv's and Poetry's alike."""
        return re.sub(r"[^A-Z0-9]", "_", self.uv_name.upper())

    def credential_variables(
        self, username: str | None, password: str | None
    ) -> dict[str, str]:
        """Credentials as uv reads them for this index: never on a command line."""
        credentials = {"USERNAME": username, "PASSWORD": password}
        return {
            f"UV_INDEX_{self.variable_stem}_{key}": value
            for key, value in credentials.items()
            if value is not None
        }


class UvExecutor:
    """Installs and removes, with uv, what Poetry's executor hands over."""

    def __init__(
        self, poetry: Poetry, io: IO, *, compile_bytecode: bool, uv: str | None = None
    ) -> None:
        """Checked before any environment is touched: uv is there, and every
        source's settings are ones uv can follow."""
        self._poetry = poetry
        self._io = io
        self._compile = compile_bytecode
        self._binary = uv or find_uv()
        self._indexes = self._read_indexes()
        self._credentials: dict[str, tuple[str | None, str | None]] = {}

    def _read_indexes(self) -> dict[str, Index]:
        config = self._poetry.config
        indexes: dict[str, Index] = {}
        for name, url, searched in package_indexes(self._poetry.pool):
            for kind in ("cert", "client-cert"):
                if config.get(f"certificates.{name}.{kind}"):
                    raise InstallLockedError(
                        f"Source {name} has certificates.{name}.{kind} set, which"
                        " --installer uv cannot apply to one source alone: use"
                        " --installer poetry (or a certificate the whole machine"
                        " trusts)."
                    )
            if config.get(f"certificates.{name}.verify") is False:
                raise InstallLockedError(
                    f"Source {name} has certificates.{name}.verify false, which"
                    " --installer uv does not apply: use --installer poetry."
                )
            indexes[name.lower()] = Index(name, url, searched)
        return indexes

    def bind(self, env: Env) -> None:
        self._env = env

    def run(self, deferred: list[Operation], operations: list[Operation]) -> None:
        """Carry out the deferred operations: removals in one call, then the
        installs and updates, one call per package index."""
        removals = [op.package.name for op in deferred if op.job_type == "uninstall"]
        installs = [op for op in deferred if op.job_type != "uninstall"]
        # A package uv was stopped installing has a dist-info without its
        # INSTALLER: Poetry takes it as installed, uv must redo it.
        interrupted = self._interrupted()
        broken = [
            op
            for op in operations
            if op.skipped
            and op.job_type == "install"
            and is_from_an_index(op.package)
            and op.package.name in interrupted
        ]
        for op in broken:
            self._io.write_line(
                f"  - Reinstalling <c1>{op.package.pretty_name}</c1>"
                f" (<c2>{op.package.full_pretty_version}</c2>):"
                " an earlier install did not finish"
            )
        if removals:
            self._run(["uninstall", *sorted(set(removals))], "")
        packages = [op.package for op in [*installs, *broken]]
        if not packages:
            return
        hashes = choose_artifacts(packages, self._env, self._poetry.config)
        # An update to the same version (from another source) is no change to uv.
        reinstall = {op.package.name for op in broken} | {
            op.package.name
            for op in installs
            if isinstance(op, Update)
            and op.initial_package.version == op.target_package.version
        }
        for index, group in self._by_index(packages).items():
            requirements = "".join(
                f"{p.name}=={p.version.text} --hash={hashes[p.name]}\n" for p in group
            )
            options = ["--no-deps", "--require-hashes", *self._index_options(index)]
            options += [f"--reinstall-package={n}" for n in sorted(reinstall)]
            if self._compile:
                options.append("--compile-bytecode")
            self._run(["install", *options, "-r", "-"], requirements, index)

    def _by_index(self, packages: list[Package]) -> dict[Index, list[Package]]:
        groups: dict[Index, list[Package]] = {}
        for package in packages:
            groups.setdefault(self._index_of(package), []).append(package)
        return groups

    def _index_of(self, package: Package) -> Index:
        """The index Poetry's installer fetches the package from."""
        if package.source_type and package.source_reference:
            index = self._indexes.get(package.source_reference.lower())
            if index is None:
                raise InstallLockedError(
                    f"{package.pretty_name} comes from source"
                    f" {package.source_reference}, which is not a package index"
                    " Poetry knows: run `poetry lock`."
                )
            return index
        if "pypi" in self._indexes:
            return self._indexes["pypi"]
        return next(iter(self._indexes.values()), Index("pypi", PYPI_URL))

    def _index_options(self, first: Index) -> list[str]:
        """The package's own index first, then those Poetry searches, as the
        pool orders them (for the build requirements of sdists); PyPI only where
        the pool has it."""
        searched = (i for i in self._indexes.values() if i.searched and i != first)
        ordered = [first, *searched]
        options = [f"--index={i.uv_name}={i.url}" for i in ordered[:-1]]
        last = ordered[-1]
        return [*options, f"--default-index={last.uv_name}={last.url}"]

    def _interrupted(self) -> set[str]:
        """The distributions uv was stopped installing: a dist-info without its
        INSTALLER (uv writes that last) whose RECORD lists files that are not
        there. Only dist-infos without INSTALLER are read."""
        return {
            canonicalize_name(dist_info.name.split("-", 1)[0])
            for directory in self._site_packages()
            for dist_info in Path(directory).glob("*.dist-info")
            if not (dist_info / "INSTALLER").exists() and _incomplete(dist_info)
        }

    def _site_packages(self) -> list[str]:
        return sorted({self._env.paths["purelib"], self._env.paths["platlib"]})

    def _run(
        self, arguments: Sequence[str], stdin: str, index: Index | None = None
    ) -> None:
        command = [self._binary, "pip", arguments[0], "--python", str(self._env.python)]
        if not self._env.is_venv():
            # Where Poetry installs into a system Python, so does uv.
            command += ["--system", "--break-system-packages"]
        command += ["--no-config"]
        if self._poetry.disable_cache:
            command.append("--no-cache")
        if self._io.is_very_verbose():
            command.append("-v")
        command += arguments[1:]
        if self._io.is_debug():
            self._io.write_line(f"<debug>Running: {' '.join(command)}</debug>")
        status, errors = run_uv(command, stdin, self._uv_environment())
        if errors and (status != 0 or self._io.is_verbose()):
            self._io.write_error(errors, verbosity=Verbosity.VERBOSE)
        if status == 0:
            return
        what = f"uv pip {arguments[0]} failed"
        if index is not None:
            what += f" for source {index.name} ({index.url})"
        reason = _reason(errors) or f"exit code {status}"
        if (
            index is not None
            and self._credentials_of(index)[0] is None
            and "not found" in reason
        ):
            # uv takes a 401 from an index for a missing package.
            reason += (
                f"; Poetry has no credentials for source {index.name}: if it needs"
                f" them, set http-basic.{index.name} (poetry config) or"
                f" POETRY_HTTP_BASIC_{index.variable_stem}_USERNAME/_PASSWORD"
            )
        raise InstallLockedError(f"{what}: {reason}")

    def _uv_environment(self) -> dict[str, str]:
        environment = {
            key: value
            for key, value in os.environ.items()
            if not UV_DECIDES_NOT.match(key)
        }
        for index in self._indexes.values():
            environment.update(index.credential_variables(*self._credentials_of(index)))
        return environment

    def _credentials_of(self, index: Index) -> tuple[str | None, str | None]:
        """Looked up once, when uv first runs (a keyring may be slow to ask)."""
        if index.name not in self._credentials:
            self._credentials[index.name] = http_credentials(
                self._poetry.config, index.name
            )
        return self._credentials[index.name]


def _incomplete(dist_info: Path) -> bool:
    record = dist_info / "RECORD"
    if not record.exists():
        return True
    rows = csv.reader(record.read_text(errors="replace").splitlines())
    return any(row and not (dist_info.parent / row[0]).exists() for row in rows)


def run_uv(
    command: list[str], stdin: str, environment: Mapping[str, str]
) -> tuple[int, str]:
    """Run uv: its exit status and what it wrote to stderr.

    Ctrl-C and SIGTERM reach uv too (a signal sent to this process alone would
    not), and uv is waited for, so that nothing installs after this returns.
    """
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=dict(environment),
        text=True,
    )
    previous: Any = None
    in_main_thread = threading.current_thread() is threading.main_thread()
    if in_main_thread:

        def forward(signum: int, frame: Any) -> None:
            process.send_signal(signum)
            process.wait()
            raise SystemExit(128 + signum)

        previous = signal.signal(signal.SIGTERM, forward)
    try:
        _, errors = process.communicate(stdin)
    except KeyboardInterrupt:
        process.send_signal(signal.SIGINT)
        process.wait()
        raise
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)
    return process.returncode, errors


def _reason(errors: str) -> str:
    """uv's error and its causes (`error: ...`, then `  cause: ...` lines), on
    one line."""
    lines = [line.strip() for line in errors.splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if line.startswith("error:")), 0)
    kept = [
        line.split(":", 1)[1].strip() if line.startswith(("error:", "cause:")) else line
        for line in lines[start:]
        if not line.startswith(("help:", "hint:"))
    ]
    return ": ".join(line for line in kept if line)
