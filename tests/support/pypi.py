"""A stand-in for PyPI on 127.0.0.1, reached as PyPI is.

Poetry fetches the packages that name no source from https://pypi.org (the
PEP 691 simple pages and the per-release JSON API) and downloads their files
from https://files.pythonhosted.org. The stand-in is an HTTPS proxy: commands
get HTTPS_PROXY pointing at it and a CA bundle holding a test certificate
authority (REQUESTS_CA_BUNDLE for Poetry, SSL_CERT_FILE for uv). It answers
CONNECT for those two hosts by terminating TLS with a certificate that authority
signed, and serves distributions the tests build; any other host is refused.
"""

from __future__ import annotations

import email
import hashlib
import json
import shutil
import ssl
import zipfile

from dataclasses import dataclass
from dataclasses import field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

import trustme

from packaging.utils import canonicalize_name
from packaging.utils import parse_wheel_filename

from tests.support.index import Server
from tests.support.index import build_sdist
from tests.support.index import build_wheel
from tests.support.index import tinybackend_wheel


if TYPE_CHECKING:
    import socketserver

    from email.message import Message

    from tests.support.index import Dist


PYPI = "pypi.org"
FILES = "files.pythonhosted.org"


@dataclass(frozen=True)
class Release:
    name: str
    version: str
    requires: tuple[str, ...]
    files: tuple[Path, ...]
    requires_python: str | None = None


@dataclass
class PyPIStandIn:
    root: Path
    releases: dict[str, list[Release]] = field(default_factory=dict)
    served: list[str] = field(default_factory=list)
    """Every URL it answered, in order."""
    port: int = 0
    _server: Server | None = None
    _ca: trustme.CA = field(default_factory=trustme.CA)

    @property
    def ca_bundle(self) -> Path:
        return self.root / "ca.pem"

    def env(self) -> dict[str, str]:
        """What a command needs to reach the stand-in as PyPI."""
        proxy = f"http://127.0.0.1:{self.port}"
        return {
            "HTTPS_PROXY": proxy,
            "https_proxy": proxy,
            "REQUESTS_CA_BUNDLE": str(self.ca_bundle),
            "SSL_CERT_FILE": str(self.ca_bundle),
        }

    def add(self, dist: Dist) -> None:
        """Build `dist` (a wheel, or an sdist) and publish it."""
        directory = self.root / "files"
        directory.mkdir(parents=True, exist_ok=True)
        filename = (
            build_sdist(directory, dist)
            if dist.sdist_only
            else build_wheel(directory, dist)
        )
        self._publish(dist.name, dist.version, dist.requires, directory / filename)

    def add_wheels(self, paths: list[Path]) -> None:
        """Publish ready-made wheels (Poetry's own, say) with the metadata they
        hold, each release with all of its wheels."""
        directory = self.root / "files"
        directory.mkdir(parents=True, exist_ok=True)
        releases: dict[tuple[str, str], tuple[Message, list[Path]]] = {}
        for path in paths:
            name, parsed, _, _ = parse_wheel_filename(path.name)
            copy = Path(shutil.copy2(path, directory / path.name))
            if (name, str(parsed)) in releases:
                releases[name, str(parsed)][1].append(copy)
            else:
                releases[name, str(parsed)] = (_metadata(path), [copy])
        for (project, release), (metadata, files) in releases.items():
            self.releases.setdefault(project, []).append(
                Release(
                    metadata["Name"],
                    release,
                    tuple(metadata.get_all("Requires-Dist") or ()),
                    tuple(files),
                    metadata["Requires-Python"],
                )
            )

    def add_tinybackend(self) -> None:
        """The tests' build backend, which the stand-in's sdists require."""
        directory = self.root / "files"
        directory.mkdir(parents=True, exist_ok=True)
        self._publish(
            "tinybackend", "1.0", (), directory / tinybackend_wheel(directory)
        )

    def _publish(
        self, name: str, version: str, requires: tuple[str, ...], path: Path
    ) -> None:
        self.releases.setdefault(canonicalize_name(name), []).append(
            Release(name, version, requires, (path,))
        )

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self._ca.cert_pem.write_to_path(str(self.ca_bundle))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._ca.issue_cert(PYPI, FILES).configure_cert(context)

        standin = self

        class Proxy(_ProxyHandler):
            tls = context
            pypi = standin

        self._server = Server.serving(self.port, Proxy)
        self.port = self._server.server_address[1]

    def stop(self) -> None:
        if self._server is not None:
            self._server.close()

    # --- what PyPI answers ---------------------------------------------------

    def simple_page(self, name: str) -> dict[str, Any] | None:
        releases = self.releases.get(canonicalize_name(name))
        if not releases:
            return None
        return {
            "meta": {"api-version": "1.1"},
            "name": canonicalize_name(name),
            "versions": [release.version for release in releases],
            "files": [
                {
                    "filename": path.name,
                    "url": f"https://{FILES}/packages/{path.name}",
                    "hashes": {"sha256": _sha256(path)},
                    "size": path.stat().st_size,
                }
                for release in releases
                for path in release.files
            ],
        }

    def release_json(self, name: str, version: str) -> dict[str, Any] | None:
        release = next(
            (
                r
                for r in self.releases.get(canonicalize_name(name), [])
                if r.version == version
            ),
            None,
        )
        if release is None:
            return None
        return {
            "info": {
                "name": release.name,
                "version": release.version,
                "summary": "",
                "requires_dist": list(release.requires),
                "requires_python": release.requires_python,
                "yanked": False,
            },
            "urls": [
                {
                    "filename": path.name,
                    "packagetype": "sdist" if path.suffix == ".gz" else "bdist_wheel",
                    "url": f"https://{FILES}/packages/{path.name}",
                    "digests": {"sha256": _sha256(path)},
                    "size": path.stat().st_size,
                    "yanked": False,
                }
                for path in release.files
            ],
        }

    def file(self, filename: str) -> Path | None:
        path = self.root / "files" / filename
        return path if "/" not in filename and path.is_file() else None


def _metadata(wheel: Path) -> Message:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return email.message_from_bytes(archive.read(name))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class _ProxyHandler(BaseHTTPRequestHandler):
    """CONNECT to pypi.org or files.pythonhosted.org; nothing else."""

    tls: ssl.SSLContext
    pypi: PyPIStandIn

    def do_CONNECT(self) -> None:
        host = self.path.rsplit(":", 1)[0]
        if host not in (PYPI, FILES):
            self.send_error(403, f"the PyPI stand-in does not reach {host}")
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        connection = self.tls.wrap_socket(self.connection, server_side=True)
        try:
            _PyPIHandler(connection, self.client_address, self.server, host, self.pypi)
        finally:
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _PyPIHandler(BaseHTTPRequestHandler):
    """PyPI's answers, over the proxied TLS connection, kept alive."""

    protocol_version = "HTTP/1.1"

    def __init__(
        self,
        request: Any,
        client_address: Any,
        server: socketserver.BaseServer,
        host: str,
        pypi: PyPIStandIn,
    ) -> None:
        self.host = host
        self.pypi = pypi
        super().__init__(request, client_address, server)

    def do_HEAD(self) -> None:
        self.do_GET(head=True)

    def do_GET(self, head: bool = False) -> None:
        self.head = head
        self.pypi.served.append(f"https://{self.host}{self.path}")
        path = self.path.split("?", 1)[0].strip("/").split("/")
        if self.host == FILES and path[0] == "packages":
            file = self.pypi.file(path[-1])
            if file is not None:
                self._send(file.read_bytes(), "application/octet-stream")
                return
        elif path[0] == "simple" and len(path) == 2:
            page = self.pypi.simple_page(path[1])
            if page is not None:
                self._json(page, "application/vnd.pypi.simple.v1+json")
                return
        elif path[0] == "pypi" and len(path) == 4 and path[3] == "json":
            release = self.pypi.release_json(path[1], path[2])
            if release is not None:
                self._json(release, "application/json")
                return
        self._send(b"", "text/plain", status=404)

    def _json(self, data: dict[str, Any], content_type: str) -> None:
        self._send(json.dumps(data).encode(), content_type)

    def _send(self, body: bytes, content_type: str, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not self.head:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass
