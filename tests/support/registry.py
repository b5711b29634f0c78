"""A Docker registry on 127.0.0.1, as a CI system's registry: Debian's
docker-registry (the CNCF distribution), its storage in a test's directory."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request

from dataclasses import dataclass
from typing import TYPE_CHECKING


if TYPE_CHECKING:
    from pathlib import Path


BINARY = "docker-registry"


def registry_problem() -> str | None:
    if shutil.which(BINARY) is None:
        return (
            f"no {BINARY} on PATH: run `bash scripts/docker-engine.sh` as root"
            " (it installs Debian's docker-registry)"
        )
    return None


@dataclass
class Registry:
    root: Path
    port: int = 0
    _process: subprocess.Popen[bytes] | None = None

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        config = self.root / "config.yml"
        config.write_text(
            "version: 0.1\n"
            "log:\n  level: error\n"
            f"storage:\n  filesystem:\n    rootdirectory: {self.root / 'data'}\n"
            f"http:\n  addr: {self.host}\n"
        )
        self._process = subprocess.Popen(
            [BINARY, "serve", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"docker-registry exited ({self._process.returncode})"
                )
            try:
                with urllib.request.urlopen(f"http://{self.host}/v2/", timeout=2):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("docker-registry did not start")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
