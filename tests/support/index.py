"""A real package index on 127.0.0.1: static PEP 503 pages over HTTP.

One server holds several repositories side by side (`/<repo>/simple/...`), and
`/direct/` for direct URL dependencies. A repository can require basic auth.
Its project pages carry the validator real indexes send (an ETag, answered 304
when a client's copy is current) and, given a max-age, PyPI's freshness
(`Cache-Control: max-age=600, public`); every answer can wait a network's
latency first.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import html
import io
import shutil
import sys
import tarfile
import threading
import time

from dataclasses import dataclass
from dataclasses import field
from functools import partial
from http.server import SimpleHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from packaging.utils import canonicalize_name

from tests.support import tinybackend


if TYPE_CHECKING:
    from collections.abc import Callable
    from socketserver import BaseRequestHandler


@dataclass(frozen=True)
class Dist:
    """A distribution to build: a wheel, or with `sdist_only` an sdist only."""

    name: str
    version: str
    requires: tuple[str, ...] = ()
    extras: tuple[str, ...] = ()
    sdist_only: bool = False
    requires_python: str | None = None

    @property
    def module(self) -> str:
        return self.name.replace("-", "_")

    def files(self) -> dict[str, str]:
        return {f"{self.module}/__init__.py": f'__version__ = "{self.version}"\n'}


@dataclass
class PackageIndex:
    root: Path
    auth: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Repositories that need basic auth: name -> (username, password)."""
    faults: dict[str, str] = field(default_factory=dict)
    """Injected failures: URL path prefix -> "500", "404", "hang" or "slow"."""
    served: list[str] = field(default_factory=list)
    """The path of every GET it answered in full, in order."""
    revalidated: list[str] = field(default_factory=list)
    """The path of every GET of a project page it answered 304 Not Modified."""
    max_age: int | None = None
    """How long a client may reuse a project page without asking (seconds)."""
    latency: float = 0.0
    """How long each answer waits before it goes (seconds)."""
    port: int = 0
    _server: Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def simple_url(self, repository: str) -> str:
        return f"{self.url}/{repository}/simple/"

    def add(self, repository: str, dist: Dist) -> Path:
        """Build `dist` into `repository` and refresh its project page."""
        files = self.root / repository / "files"
        files.mkdir(parents=True, exist_ok=True)
        path = files / (
            build_sdist(files, dist) if dist.sdist_only else build_wheel(files, dist)
        )
        self._write_page(repository, dist.name)
        return path

    def add_direct(self, dist: Dist) -> str:
        """Build a wheel reachable only by URL; return that URL."""
        directory = self.root / "direct"
        directory.mkdir(parents=True, exist_ok=True)
        return f"{self.url}/direct/{build_wheel(directory, dist)}"

    def add_files(self, repository: str, paths: list[Path]) -> None:
        """Serve ready-made distributions (such as Poetry's own wheels)."""
        files = self.root / repository / "files"
        files.mkdir(parents=True, exist_ok=True)
        for path in paths:
            shutil.copy2(path, files / path.name)
        for project in {path.name.split("-")[0] for path in paths}:
            self._write_page(repository, project)

    def refresh(self, repository: str, project: str) -> None:
        """Write `project`'s page again, after its files changed."""
        self._write_page(repository, project)

    def add_tinybackend(self, repository: str) -> None:
        """Serve the tests' build backend, which sdists and source trees require."""
        files = self.root / repository / "files"
        files.mkdir(parents=True, exist_ok=True)
        tinybackend_wheel(files)
        self._write_page(repository, "tinybackend")

    def _write_page(self, repository: str, project: str) -> None:
        name = canonicalize_name(project)
        files = self.root / repository / "files"
        links = []
        for path in sorted(files.iterdir()):
            if canonicalize_name(path.name.split("-")[0]) != name:
                continue
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            href = html.escape(f"../../files/{path.name}#sha256={digest}")
            links.append(f'<a href="{href}">{html.escape(path.name)}</a><br/>')
        page = self.root / repository / "simple" / name / "index.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(
            "<!DOCTYPE html><html><body>\n" + "\n".join(links) + "\n</body></html>\n"
        )

    def start(self) -> None:
        handler = partial(_Handler, directory=str(self.root), index=self)
        self._server = Server.serving(self.port, handler)
        self.port = self._server.server_address[1]

    def stop(self) -> None:
        if self._server is not None:
            self._server.close()


def build_wheel(directory: Path, dist: Dist) -> str:
    return tinybackend.write_wheel(
        directory,
        dist.name,
        dist.version,
        dist.files(),
        dist.requires,
        dist.extras,
        dist.requires_python,
    )


def build_sdist(directory: Path, dist: Dist) -> str:
    """An sdist built by tinybackend, with PKG-INFO so its metadata is static."""
    base = f"{dist.module}-{dist.version}"
    requires = ", ".join(f'"{r}"' for r in dist.requires)
    members = {
        "PKG-INFO": tinybackend.metadata_text(
            dist.name, dist.version, dist.requires, dist.extras
        ),
        "pyproject.toml": (
            '[build-system]\nrequires = ["tinybackend"]\nbuild-backend = "tinybackend"\n\n'
            f'[tool.tinybackend]\nname = "{dist.name}"\nversion = "{dist.version}"\n'
            f'requires = [{requires}]\npackages = ["{dist.module}"]\n'
        ),
        **dist.files(),
    }
    filename = f"{base}.tar.gz"
    # Reproducible bytes (no timestamps), so that every build of a Dist has the
    # same hash: Poetry caches release metadata by source name, not by URL.
    with (
        (directory / filename).open("wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as compressed,
        tarfile.open(fileobj=compressed, mode="w") as archive,
    ):
        for name, text in sorted(members.items()):
            data = text.encode()
            info = tarfile.TarInfo(f"{base}/{name}")
            info.size = len(data)
            info.mtime = 1577836800
            archive.addfile(info, io.BytesIO(data))
    return filename


def tinybackend_wheel(directory: Path) -> str:
    """The build backend itself, as a wheel the index serves."""
    source = Path(tinybackend.__file__).read_text()
    return tinybackend.write_wheel(
        directory, "tinybackend", "1.0", {"tinybackend.py": source}
    )


class Server(ThreadingHTTPServer):
    """A threading HTTP server whose listen queue holds a client's parallel
    connections: with socketserver's 5, the rest of a burst of connections
    (uv opens dozens) is dropped, and each retries a second later."""

    request_queue_size = 128
    daemon_threads = True

    @classmethod
    def serving(cls, port: int, handler: Callable[..., BaseRequestHandler]) -> Server:
        """A server on 127.0.0.1 (`port` 0: any free one), answering in a thread."""
        server = cls(("127.0.0.1", port), handler)
        threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return server

    def close(self) -> None:
        self.shutdown()
        self.server_close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-answer (a download it gives up) is no error
        of the server's, and no traceback in the output."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(SimpleHTTPRequestHandler):
    # Headers and body go out in separate writes: with Nagle's algorithm, a
    # client's delayed ACK holds each response back by tens of milliseconds.
    disable_nagle_algorithm = True

    def __init__(self, *args: Any, index: PackageIndex, **kwargs: Any) -> None:
        self.index = index
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        if not self._authorized() or self._fault():
            return
        if self.index.latency:
            time.sleep(self.index.latency)
        page = Path(self.translate_path(self.path)) / "index.html"
        if "/simple/" in self.path and self.path.endswith("/") and page.is_file():
            self._send_page(page.read_bytes())
            return
        self.index.served.append(self.path)
        super().do_GET()

    def _send_page(self, body: bytes) -> None:
        """A project page, with its validator and, if any, its freshness."""
        etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
        current = self.headers.get("If-None-Match") == etag
        (self.index.revalidated if current else self.index.served).append(self.path)
        self.send_response(304 if current else 200)
        self.send_header("ETag", etag)
        if self.index.max_age is not None:
            self.send_header("Cache-Control", f"max-age={self.index.max_age}, public")
        if current:
            self.end_headers()
            return
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _fault(self) -> bool:
        """Serve an injected failure instead of the file, if one matches."""
        fault = next(
            (
                f
                for prefix, f in self.index.faults.items()
                if self.path.startswith(prefix)
            ),
            None,
        )
        if fault == "hang":
            time.sleep(60)
            return True
        if fault == "slow":
            time.sleep(0.5)
            return False
        if fault in ("500", "404"):
            self.send_response(int(fault))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return True
        return False

    def do_HEAD(self) -> None:
        if self._authorized():
            super().do_HEAD()

    def _authorized(self) -> bool:
        repository = self.path.lstrip("/").split("/", 1)[0]
        credentials = self.index.auth.get(repository)
        if credentials is None:
            return True
        expected = "Basic " + base64.b64encode(":".join(credentials).encode()).decode()
        if self.headers.get("Authorization") == expected:
            return True
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="private"')
        self.send_header("Content-Length", "0")
        self.end_headers()
        return False

    def log_message(self, format: str, *args: Any) -> None:
        pass
