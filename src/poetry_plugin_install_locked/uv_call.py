"""The uv call: one `uv pip` command, as Poetry would have it run.

Its command line (the environment's interpreter, uv's configuration files
ignored, Poetry's cache and verbosity), its environment (the user's, less the uv
settings that are Poetry's to decide, plus the credentials of the one index it
fetches from), what uv reports (shown with -v, and always when it fails) and
its failure, in one line. Credentials come from Poetry (its configuration,
POETRY_HTTP_BASIC_* variables, keyring, or the source's URL), by source name,
and never appear on a command line.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

from cleo.io.outputs.output import Verbosity

from poetry_plugin_install_locked.exceptions import InstallLockedError
from poetry_plugin_install_locked.package_sources import http_credentials


if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Mapping
    from collections.abc import Sequence
    from types import FrameType

    from cleo.io.io import IO
    from poetry.config.config import Config
    from poetry.utils.env import Env

    # What signal.signal() takes, and returns.
    Handler = signal.Handlers | Callable[[int, FrameType | None], object] | int | None


# uv settings that would change what is installed, or from where: Poetry's to
# decide. Those that change how (cache, link mode, timeouts, TLS) are the user's.
UV_DECIDES_NOT = re.compile(
    r"^UV_(INDEX|DEFAULT_INDEX|EXTRA_INDEX_URL|FIND_LINKS|NO_INDEX|NO_BINARY|"
    r"ONLY_BINARY|NO_BUILD|CONSTRAINT|OVERRIDE|BUILD_CONSTRAINT|TORCH_BACKEND|"
    r"KEYRING_PROVIDER|PYTHON|SYSTEM_PYTHON|BREAK_SYSTEM_PACKAGES|PRERELEASE|"
    r"RESOLUTION|EXCLUDE_NEWER|CONFIG_FILE|NO_CONFIG|OFFLINE|REQUIRE_HASHES)"
)


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


class UvCall:
    """Runs `uv pip` for one environment; credentials are looked up once per
    source, when uv first needs them (a keyring may be slow to ask)."""

    def __init__(
        self, binary: str, env: Env, io: IO, config: Config, *, no_cache: bool
    ) -> None:
        self._binary = binary
        self._env = env
        self._io = io
        self._config = config
        self._no_cache = no_cache
        self._credentials: dict[str, tuple[str | None, str | None]] = {}

    def __call__(
        self, arguments: Sequence[str], stdin: str = "", index: Index | None = None
    ) -> None:
        """Run `uv pip ARGUMENTS`; raise InstallLockedError, in one line, if it fails."""
        command = [self._binary, "pip", arguments[0], "--python", str(self._env.python)]
        if not self._env.is_venv():
            # Where Poetry installs into a system Python, so does uv.
            command += ["--system", "--break-system-packages"]
        command += ["--no-config"]
        if self._no_cache:
            command.append("--no-cache")
        if self._io.is_very_verbose():
            command.append("-v")
        command += arguments[1:]
        if self._io.is_debug():
            self._io.write_line(f"<debug>Running: {' '.join(command)}</debug>")
        status, errors = run_uv(command, stdin, self._environment(index))
        if errors and (status != 0 or self._io.is_verbose()):
            self._io.write_error(errors, verbosity=Verbosity.VERBOSE)
        if status != 0:
            raise self._failure(arguments[0], status, errors, index)

    def _failure(
        self, subcommand: str, status: int, errors: str, index: Index | None
    ) -> InstallLockedError:
        what = f"uv pip {subcommand} failed"
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
        return InstallLockedError(f"{what}: {reason}")

    def _environment(self, index: Index | None) -> dict[str, str]:
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
        """Poetry's for the source, else those in its URL."""
        if index.name not in self._credentials:
            username, password = http_credentials(self._config, index.name)
            if username is None and password is None:
                username, password = index.url_credentials
            self._credentials[index.name] = (username, password)
        return self._credentials[index.name]


def run_uv(
    command: list[str], stdin: str, environment: Mapping[str, str]
) -> tuple[int, str]:
    """Run uv: its exit status and what it wrote to stderr (UTF-8, as uv
    writes it, whatever the locale's encoding).

    Ctrl-C and SIGTERM reach uv too (a signal sent to this process alone would
    not), and uv is waited for, so that nothing installs after this returns. A
    SIGTERM this process ignores stays ignored.
    """
    started: list[subprocess.Popen[str]] = []

    def forward(signum: int, frame: FrameType | None) -> None:
        for process in started:
            process.send_signal(signum)
            process.wait()
        raise SystemExit(128 + signum)

    previous: Handler = None
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
            encoding="utf-8",
            errors="replace",
        )
        started.append(process)
        try:
            _, errors = process.communicate(stdin)
        except KeyboardInterrupt:
            interrupted(process)
            raise
    finally:
        if handles_sigterm:
            signal.signal(signal.SIGTERM, previous)
    return process.returncode, errors


def interrupted(process: subprocess.Popen[str], platform: str = sys.platform) -> None:
    """After Ctrl-C, uv stops too and is waited for. On Windows the console
    sent uv the Ctrl-C already (and Popen sends no SIGINT there); elsewhere a
    SIGINT sent to this process alone (kill -INT, a supervisor) would not reach
    uv: it is passed on."""
    if platform != "win32":
        process.send_signal(signal.SIGINT)
    process.wait()


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
