"""The uv executor: Poetry decides, uv installs.

With `--installer uv` Poetry still decides everything: the selection, the
environment, the operations (installs, updates, removals), the artifact of each
package (Poetry's choice, pinned by its hash from the lock), and the output.
uv then installs the packages whose chosen artifact is a wheel from a package
index, the bulk of any lock, in one call per source, and removes what came from
an index: fast, from its cache, each artifact checked against the lock's hash,
and never running a build. What needs building (sdists) or comes from git, a
URL, a file or a directory stays with Poetry's own executor, with Poetry's
build settings and its direct_url.json, which the next `poetry install`
compares.

Credentials come from Poetry (its configuration, POETRY_HTTP_BASIC_* variables,
keyring, or the source's URL), by source name, and reach uv only through the
environment of the call that fetches from that source.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import threading

from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import Any
from typing import cast
from urllib.parse import unquote
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

from cleo.io.outputs.output import Verbosity

from poetry_plugin_install_locked.artifacts import ArtifactChooser
from poetry_plugin_install_locked.exceptions import InstallLockedError
from poetry_plugin_install_locked.installed import interrupted_installs
from poetry_plugin_install_locked.package_sources import http_credentials
from poetry_plugin_install_locked.package_sources import package_indexes


if TYPE_CHECKING:
    from collections.abc import Mapping
    from collections.abc import Sequence

    from cleo.io.io import IO
    from poetry.core.packages.package import Package
    from poetry.installation.operations import Update
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
    """A package index as uv is told of it: a URL without credentials."""

    name: str
    url: str
    url_credentials: tuple[str | None, str | None] = (None, None)
    """Credentials written into the source's URL, taken out of it."""

    @classmethod
    def of(cls, name: str, url: str) -> Index:
        parts = urlsplit(url)
        if parts.username is None and parts.password is None:
            return cls(name, url)
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        credentials = (
            unquote(parts.username) if parts.username else None,
            unquote(parts.password) if parts.password else None,
        )
        return cls(name, urlunsplit(parts._replace(netloc=netloc)), credentials)

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

    _env: Env
    _chooser: ArtifactChooser

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
        self._chosen: dict[tuple[str, str], str | None] = {}

    def _read_indexes(self) -> dict[str, Index]:
        config = self._poetry.config
        indexes: dict[str, Index] = {}
        stems: dict[str, str] = {}
        for name, url in package_indexes(self._poetry.pool):
            verify = config.get(f"certificates.{name}.verify")
            cert = config.get(f"certificates.{name}.cert")
            if (
                verify not in (None, True)
                or cert not in (None, True)
                or config.get(f"certificates.{name}.client-cert")
            ):
                raise InstallLockedError(
                    f"Source {name} has certificates of its own (certificates.{name}"
                    " in Poetry's configuration), which --installer uv cannot apply"
                    " to one source alone: use --installer poetry, or give uv a"
                    " certificate bundle for every index with SSL_CERT_FILE."
                )
            index = Index.of(name, url)
            if (other := stems.setdefault(index.variable_stem, name)) != name:
                raise InstallLockedError(
                    f"Sources {other} and {name} have one name for uv's credential"
                    f" variables (UV_INDEX_{index.variable_stem}_*): rename one, or"
                    " use --installer poetry."
                )
            indexes[name.lower()] = index
        return indexes

    @property
    def binary(self) -> str:
        return self._binary

    def bind(self, env: Env) -> None:
        self._env = env
        self._chooser = ArtifactChooser(env, self._poetry.config)

    def takes(self, operation: Operation) -> bool:
        """Whether uv carries the operation out: a removal of what came from an
        index, or an install whose artifact, chosen by Poetry, is a wheel from
        an index (uv builds nothing)."""
        if not is_from_an_index(operation.package):
            return False
        if operation.job_type == "uninstall":
            return True
        return self._artifact(operation.package) is not None

    def _artifact(self, package: Package) -> str | None:
        """The hash of the wheel Poetry chose for the package, if it chose one."""
        key = (package.name, package.version.text)
        if key not in self._chosen:
            choice = self._chooser.choose(package)
            wheel = choice is not None and choice[0].endswith(".whl")
            self._chosen[key] = choice[1] if choice and wheel else None
        return self._chosen[key]

    def run(self, deferred: list[Operation]) -> None:
        """Carry out the deferred operations: removals in one call, then the
        installs and updates, one call per package index."""
        removals = [op.package.name for op in deferred if op.job_type == "uninstall"]
        installs = [op for op in deferred if op.job_type != "uninstall"]
        if removals:
            self._run(["uninstall", *sorted(set(removals))], "")
        # uv takes a distribution whose install was cut short, or updated to the
        # same version (from another source), as installed already.
        interrupted = interrupted_installs(self._env)
        reinstall = {
            op.package.name
            for op in installs
            if op.package.name in interrupted or _updates_to_the_same_version(op)
        }
        for index, group in self._by_index(installs).items():
            requirements = "".join(
                f"{p.name}=={p.version.text} --hash={self._artifact(p)}\n"
                for p in group
            )
            options = ["--no-deps", "--require-hashes", "--no-build"]
            options.append(f"--default-index={index.uv_name}={index.url}")
            options += [
                f"--reinstall-package={p.name}" for p in group if p.name in reinstall
            ]
            if self._compile:
                options.append("--compile-bytecode")
            self._run(["install", *options, "-r", "-"], requirements, index)

    def _by_index(self, operations: list[Operation]) -> dict[Index, list[Package]]:
        groups: dict[Index, list[Package]] = {}
        for operation in sorted(operations, key=lambda op: op.package.name):
            groups.setdefault(self._index_of(operation.package), []).append(
                operation.package
            )
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
        status, errors = run_uv(command, stdin, self._uv_environment(index))
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

    def _uv_environment(self, index: Index | None) -> dict[str, str]:
        """The user's environment, less what is Poetry's to decide, plus the
        credentials of the one index the call fetches from."""
        environment = {
            key: value
            for key, value in os.environ.items()
            if not UV_DECIDES_NOT.match(key)
        }
        if index is not None:
            environment.update(index.credential_variables(*self._credentials_of(index)))
        return environment

    def _credentials_of(self, index: Index) -> tuple[str | None, str | None]:
        """Poetry's for the source, else those in its URL; looked up once, when
        uv first needs them (a keyring may be slow to ask)."""
        if index.name not in self._credentials:
            username, password = http_credentials(self._poetry.config, index.name)
            if username is None and password is None:
                username, password = index.url_credentials
            self._credentials[index.name] = (username, password)
        return self._credentials[index.name]


def _updates_to_the_same_version(operation: Operation) -> bool:
    """An update that keeps the version (the package comes from another source)."""
    if operation.job_type != "update":
        return False
    update = cast("Update", operation)
    return update.initial_package.version == update.target_package.version


def run_uv(
    command: list[str], stdin: str, environment: Mapping[str, str]
) -> tuple[int, str]:
    """Run uv: its exit status and what it wrote to stderr.

    Ctrl-C and SIGTERM reach uv too (a signal sent to this process alone would
    not), and uv is waited for, so that nothing installs after this returns. A
    SIGTERM this process ignores stays ignored.
    """
    started: list[subprocess.Popen[str]] = []

    def forward(signum: int, frame: Any) -> None:
        for process in started:
            process.send_signal(signum)
            process.wait()
        raise SystemExit(128 + signum)

    previous: Any = None
    handles_sigterm = (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGTERM) is not signal.SIG_IGN
    )
    if handles_sigterm:
        previous = signal.signal(signal.SIGTERM, forward)
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=dict(environment),
            text=True,
        )
        started.append(process)
        try:
            _, errors = process.communicate(stdin)
        except KeyboardInterrupt:
            process.send_signal(signal.SIGINT)
            process.wait()
            raise
    finally:
        if handles_sigterm:
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
