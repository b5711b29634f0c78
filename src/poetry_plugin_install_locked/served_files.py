"""The served files: where its index serves each file the lock names for a
package, looked up as Poetry's installer looks it up, many at a time.

poetry.lock records each file's name and hash, not its URL. Each package's page
is asked once, for all its files (a project's page on a package index, which
serves every locked version of the project; a release's on PyPI's JSON API),
through Poetry's session for its source: Poetry's configuration, credentials,
certificates and HTTP cache (none with --no-cache). At most
installer.max-workers pages are asked at a time; every credential is looked up
in this thread first, so that no keyring is asked from another. A page reused
from the cache that lacks a locked file, or states another hash for one, is
asked again, revalidated with the index, before the file is called unserved.
The first lookup that fails stops the rest: none starts after it.
"""

from __future__ import annotations

import contextlib
import queue
import threading

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import requests

from cleo.formatters.formatter import Formatter
from poetry.core.constraints.version import Version
from poetry.core.packages.utils.link import Link
from poetry.repositories.http_repository import HTTPRepository
from poetry.repositories.link_sources.html import HTMLPage
from poetry.repositories.link_sources.json import SimpleJsonPage

from poetry_plugin_install_locked.exceptions import InstallLockedError
from poetry_plugin_install_locked.package_sources import PYPI_URL
from poetry_plugin_install_locked.poetry_support import fresh_in_cache
from poetry_plugin_install_locked.poetry_support import page_headers
from poetry_plugin_install_locked.poetry_support import requests_timeout


if TYPE_CHECKING:
    from collections.abc import Iterator
    from collections.abc import Sequence

    from poetry.poetry import Poetry
    from poetry.repositories.link_sources.base import LinkSource

    from poetry_plugin_install_locked.lock_file import LockedPackage
    from poetry_plugin_install_locked.lock_file import PackageKey

    # What a lookup answers: what the index serves, or why it could not say.
    Answer = tuple[dict[PackageKey, "Served"], InstallLockedError | None]


PYPI_RELEASE = "https://pypi.org/pypi/{name}/{version}/json"
JSON_PAGE = "application/vnd.pypi.simple.v1+json"
# A page asked again, rather than reused: revalidated with the index.
FRESH = {"Cache-Control": "max-age=0"}
SSH_SCHEMES = ("ssh", "git+ssh")
TIMEOUT = requests_timeout()


@dataclass(frozen=True)
class Served:
    """What a package's index serves of the files the lock names for it."""

    links: dict[str, Link]
    """The locked files it serves, by name, at their URLs: one at least."""
    missing: tuple[str, ...]
    """The locked files it no longer serves."""


@dataclass(frozen=True)
class Page:
    """One page to ask, for the packages it serves."""

    source: str
    source_url: str
    """The source's URL, as the lock has it."""
    repository: HTTPRepository
    url: str
    packages: tuple[LockedPackage, ...]
    release: bool = False
    """A release's page on PyPI's JSON API, rather than a project's."""

    @property
    def where(self) -> str:
        """The source and its URL, without credentials, for messages."""
        return f"source {self.source} ({without_credentials(self.source_url)})"


def look_up(
    poetry: Poetry, packages: Sequence[LockedPackage]
) -> dict[PackageKey, Served]:
    """What the index of each package from one serves of its locked files."""
    pages = _pages(poetry, packages)
    served: dict[PackageKey, Served] = {}
    asked = []
    for page in pages:  # what the cache holds fresh is read here, in turn
        found = _fresh_in_cache(page)
        if found is None:
            asked.append(page)
        else:
            served.update(found)
    for page in asked:  # credentials and sessions, made here, not in the workers
        with contextlib.suppress(Exception):  # a URL they cannot take: the lookup says
            page.repository.session.get_credentials_for_url(page.url)
            page.repository.session.get_session(page.url)
    workers = max(1, min(poetry.config.installer_max_workers, len(asked)))
    for found in Lookups(asked, workers):
        served.update(found)
    return served


def _fresh_in_cache(page: Page) -> dict[PackageKey, Served] | None:
    """What the page Poetry's cache holds says, where the index let it stay
    fresh (its max-age) and it names every locked file with the lock's hash;
    else None: the page is asked of the index. Read in this thread, as reading
    many from threads would only contend for the interpreter."""
    try:
        session = page.repository.session.get_session(page.url)
        request = session.prepare_request(
            requests.Request("GET", page.url, headers=_headers(page))
        )
        response = fresh_in_cache(session, request)
        if response is None:
            return None
        served = _served(page, response)
    except Exception:  # noqa: BLE001 - the index is asked, and the lookup says why
        return None
    if _may_be_out_of_date(served):
        return None
    return {package.key: found for package, found in served}


class Lookups:
    """The pages looked up by `workers` threads, their answers as they come.

    The first failure stops the rest: no lookup starts after it, and only the
    current requests are waited for. Ctrl-C waits for none: the threads are
    daemons, which end with the process.
    """

    def __init__(self, pages: list[Page], workers: int) -> None:
        self._pages: queue.SimpleQueue[Page] = queue.SimpleQueue()
        for page in pages:
            self._pages.put(page)
        self._count = len(pages)
        self._answers: queue.SimpleQueue[Answer] = queue.SimpleQueue()
        self._stopped = threading.Event()
        self._threads = [
            threading.Thread(target=self._work, daemon=True) for _ in range(workers)
        ]

    def __iter__(self) -> Iterator[dict[PackageKey, Served]]:
        for thread in self._threads:
            thread.start()
        try:
            for _ in range(self._count):
                found, error = self._next()
                if error is not None:
                    raise error
                yield found
        except InstallLockedError:
            self._stopped.set()
            for thread in self._threads:
                thread.join()
            raise
        finally:
            self._stopped.set()

    def _next(self) -> Answer:
        while True:  # in short waits, so that Ctrl-C is heard (on Windows too)
            try:
                return self._answers.get(timeout=0.1)
            except queue.Empty:
                continue

    def _work(self) -> None:
        while not self._stopped.is_set():
            try:
                page = self._pages.get_nowait()
            except queue.Empty:
                return
            try:
                self._answers.put((_look_up_page(page, self._stopped), None))
            except InstallLockedError as e:
                self._answers.put(({}, e))
            except Exception as e:  # noqa: BLE001 - reported in the main thread
                self._answers.put(({}, _failure(page, f"{type(e).__name__}: {e}")))


def _pages(poetry: Poetry, packages: Sequence[LockedPackage]) -> list[Page]:
    by_url: dict[tuple[str, str], Page] = {}
    for package in packages:
        source = package.index_name
        assert source is not None
        repository = _repository(poetry, source, package)
        if package.source is None:  # PyPI's JSON API: a page per release
            url = PYPI_RELEASE.format(name=package.name, version=package.version)
        else:
            url = f"{repository.url.rstrip('/')}/{package.name}/"
        page = by_url.get((source, url))
        packages_of_page = (*page.packages, package) if page else (package,)
        release = package.source is None
        source_url = package.source.url if package.source else PYPI_URL
        by_url[source, url] = Page(
            source, source_url, repository, url, packages_of_page, release
        )
    return list(by_url.values())


def _repository(poetry: Poetry, source: str, package: LockedPackage) -> HTTPRepository:
    try:
        repository = poetry.pool.repository(source)
    except (IndexError, ValueError) as e:
        raise InstallLockedError(
            f"{package.pretty_name} {package.version} comes from source {source},"
            f" which Poetry's configuration does not know: {e}"
        ) from e
    if not isinstance(repository, HTTPRepository):
        raise InstallLockedError(
            f"{package.pretty_name} {package.version} comes from source {source},"
            " which is not a package index Poetry asks over HTTP: a pylock.toml"
            " cannot name where it serves the package's files."
        )
    return repository


def _look_up_page(page: Page, stopped: threading.Event) -> dict[PackageKey, Served]:
    response = _get(page, fresh=False)
    served = _served(page, response)
    reused = getattr(response, "from_cache", False)
    if reused and _may_be_out_of_date(served):
        if stopped.is_set():  # another lookup failed: no request starts now
            return {}
        served = _served(page, _get(page, fresh=True))
    for package, found in served:
        what = f"{package.pretty_name} {package.version}: {page.where} serves"
        if contradicted := _contradicted(package, found):
            raise InstallLockedError(
                f"{what} {contradicted}: run `poetry lock` if the index replaced the"
                " file, or check the source."
            )
        if not found.links:
            raise InstallLockedError(
                f"{what} none of its locked files ({', '.join(found.missing)}): run"
                " `poetry lock` if they were removed, or check the source's settings"
                " and credentials."
            )
    return {package.key: found for package, found in served}


def _may_be_out_of_date(served: list[tuple[LockedPackage, Served]]) -> bool:
    """Whether a reused page lacks a locked file or states another hash for
    one: the index may have changed since, so it is asked again before either
    is reported."""
    return any(found.missing or _contradicted(p, found) for p, found in served)


def _headers(page: Page) -> dict[str, str]:
    # Poetry asks PyPI's JSON API with no headers of its own.
    return {} if page.release else page_headers(page.repository)


def _get(page: Page, *, fresh: bool) -> requests.Response:
    headers = {**_headers(page), **(FRESH if fresh else {})}
    session = page.repository.session
    try:
        try:
            return session.get(
                page.url, raise_for_status=False, timeout=TIMEOUT, headers=headers
            )
        except requests.exceptions.TooManyRedirects:
            # A redirect loop of the cache's, as Poetry mends it: asked anew.
            session.delete_cache(page.url)
            return session.get(
                page.url, raise_for_status=False, timeout=TIMEOUT, headers=headers
            )
    except Exception as e:  # requests', urllib3's and Poetry's errors
        raise _failure(page, " ".join(Formatter().remove_format(str(e)).split())) from e


def _served(
    page: Page, response: requests.Response
) -> list[tuple[LockedPackage, Served]]:
    status = response.status_code
    if status >= 400:
        answer = f"its page answers HTTP {status} {response.reason}"
        if status in (401, 403):
            hint = (
                f"check the credentials Poetry has for source {page.source}"
                f" (http-basic.{page.source}, POETRY_HTTP_BASIC_*, keyring)"
            )
        elif status == 404:
            hint = (
                "run `poetry lock` if it was removed, or check the source's"
                " settings and credentials"
            )
        else:
            hint = "try again later, or check the source"
        raise _failure(page, f"{answer}: {hint}")
    try:
        links = _links(page, response)
    except (KeyError, TypeError, ValueError) as e:
        reason = f"its page cannot be read ({type(e).__name__}: {e})"
        raise _failure(page, reason) from e
    return [(package, _of(package, links[package.key])) for package in page.packages]


def _links(page: Page, response: requests.Response) -> dict[PackageKey, list[Link]]:
    """Each package's links, as Poetry reads them from the page."""
    if page.release:
        (package,) = page.packages
        return {package.key: _release_links(response.json())}
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
    source: LinkSource
    if content_type == JSON_PAGE:
        source = SimpleJsonPage(response.url, response.json())
    else:
        source = HTMLPage(response.url, response.text)
    return {
        p.key: list(source.links_for_version(p.name, Version.parse(p.version)))
        for p in page.packages
    }


def _release_links(release: dict[str, list[dict[str, object]]]) -> list[Link]:
    """A release's files on PyPI's JSON API, each with its sha256."""
    links = []
    for file in release["urls"]:
        digests = file["digests"]
        assert isinstance(digests, dict)
        if file["packagetype"] in ("sdist", "bdist_wheel"):
            links.append(Link(f"{file['url']}#sha256={digests['sha256']}"))
    return links


def _of(package: LockedPackage, links: list[Link]) -> Served:
    by_name = {link.filename: link for link in links}
    locked = [file.name for file in package.files]
    return Served(
        {name: by_name[name] for name in locked if name in by_name},
        tuple(name for name in locked if name not in by_name),
    )


def _contradicted(package: LockedPackage, served: Served) -> str | None:
    """A locked file the index states another hash for: which, and both hashes."""
    for file in package.files:
        link = served.links.get(file.name)
        algorithm, _, locked = file.hash.partition(":")
        stated = link.hashes.get(algorithm) if link is not None else None
        if stated is not None and stated != locked:
            return (
                f"{file.name} with {algorithm} {stated}, where poetry.lock has {locked}"
            )
    return None


def _failure(page: Page, reason: str) -> InstallLockedError:
    names = ", ".join(f"{p.pretty_name} {p.version}" for p in page.packages)
    reason = scrubbed(reason, page.source_url, page.url, page.repository.url)
    reason = reason.rstrip(".")
    return InstallLockedError(f"Cannot look up {names} in {page.where}: {reason}.")


def scrubbed(text: str, *urls: str) -> str:
    """`text` with the credentials the `urls` hold taken out (a netloc's) or
    masked (anywhere else): a token can be a URL's user as well as its password."""
    for url in urls:
        parts = urlsplit(url)
        userinfo, at, _ = parts.netloc.rpartition("@")
        if not at:
            continue
        text = text.replace(f"{userinfo}@", "")
        for secret in (parts.username, parts.password):
            if secret:
                text = text.replace(secret, "****").replace(unquote(secret), "****")
    return text


def without_credentials(url: str) -> str:
    """`url` with no password or token: the user of an ssh URL, no secret,
    stays (`ssh://git@host/...`)."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    if parts.scheme in SSH_SCHEMES and parts.username:
        host = f"{parts.username}@{host}"
    return urlunsplit(parts._replace(netloc=host))
