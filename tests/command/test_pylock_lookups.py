"""`lock-slice --format pylock` looks up where its index serves each locked file:
many pages at a time with the same bytes as one at a time, answers reused as
HTTP says they may be, hashes checked, what the index dropped left out and said,
the first failure one line with no file, and no credentials in the file or any
message. The command runs in-process against a real index on 127.0.0.1."""

from __future__ import annotations

import hashlib
import re
import threading

from pathlib import Path
from typing import TYPE_CHECKING
from typing import ClassVar

import keyring
import pytest

from cleo.testers.application_tester import ApplicationTester
from keyring.backend import KeyringBackend
from poetry.console.application import Application
from poetry.utils.password_manager import PoetryKeyring

from tests.support.index import Dist
from tests.support.index import PackageIndex


if TYPE_CHECKING:
    from collections.abc import Iterator


PUBLIC, PRIVATE = "local", "private"
USER, PASSWORD = "deploy", "n0t-in-the-file"
NAMES = [f"pkg{i:02}" for i in range(24)]


@pytest.fixture
def index(tmp_path: Path) -> Iterator[PackageIndex]:
    """Twenty-four packages on a public repository, one on a private one."""
    served = PackageIndex(tmp_path / "index", auth={PRIVATE: (USER, PASSWORD)})
    for name in NAMES:
        served.add(PUBLIC, Dist(name, "1.0"))
    served.add(PRIVATE, Dist("secret", "1.0"))
    served.start()
    yield served
    served.stop()


def package(index: PackageIndex, repository: str, name: str, *extra: str) -> str:
    """A lock's table for `name` 1.0: its wheel on `repository` (and `extra`
    file names, which the index does not serve)."""
    wheel = index.root / repository / "files" / f"{name}-1.0-py3-none-any.whl"
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    files = [f'{{file = "{wheel.name}", hash = "sha256:{digest}"}}']
    files += [f'{{file = "{e}", hash = "sha256:{"0" * 64}"}}' for e in extra]
    listed = ",\n    ".join(files)
    url = index.simple_url(repository)
    if repository == PRIVATE:
        url = url.replace("://", f"://{USER}:{PASSWORD}@")
    return f"""
[[package]]
name = "{name}"
version = "1.0"
description = ""
optional = false
python-versions = "*"
groups = ["main"]
files = [
    {listed},
]

[package.source]
type = "legacy"
url = "{url}"
reference = "{repository}"
"""


def write_lock(directory: Path, *tables: str) -> None:
    directory.mkdir(exist_ok=True)
    metadata = '\n[metadata]\nlock-version = "2.1"\npython-versions = ">=3.9"\n'
    (directory / "poetry.lock").write_text("".join(tables) + metadata)


def public_lock(index: PackageIndex, directory: Path) -> None:
    write_lock(directory, *(package(index, PUBLIC, name) for name in NAMES))


def slice_(
    directory: Path,
    monkeypatch: pytest.MonkeyPatch,
    *options: str,
    workers: int = 4,
) -> tuple[int, str, str]:
    """`poetry lock-slice --format pylock -o pylock.toml` in `directory`."""
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    monkeypatch.setenv("POETRY_INSTALLER_MAX_WORKERS", str(workers))
    monkeypatch.setenv("POETRY_INSTALLER_RE_RESOLVE", "false")
    monkeypatch.chdir(directory)
    application = Application()
    application.auto_exits(False)
    tester = ApplicationTester(application)
    status = tester.execute(
        " ".join(["lock-slice", "--format", "pylock", "-o", "pylock.toml", *options])
    )
    return status, tester.io.fetch_output(), tester.io.fetch_error()


def written(directory: Path) -> str:
    return (directory / "pylock.toml").read_text()


def test_many_lookups_at_a_time_write_what_one_at_a_time_writes(
    index: PackageIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same bytes and the same warnings, in the same order."""
    gone = [f"{name}-1.0.tar.gz" for name in ("pkg03", "pkg17")]
    tables = [
        package(index, PUBLIC, name, *(g for g in gone if g.startswith(name)))
        for name in NAMES
    ]
    results = []
    for workers in (1, 8):
        directory = tmp_path / f"workers-{workers}"
        write_lock(directory, *tables)
        status, _, errors = slice_(
            directory, monkeypatch, "--no-cache", workers=workers
        )
        assert status == 0, errors
        results.append((written(directory), errors))

    assert results[0] == results[1]
    assert len(results[0][1].splitlines()) == 2
    assert all(f'name = "{name}' in results[0][0] for name in NAMES)


def test_a_second_run_revalidates_each_page_once_and_reuses_it(
    index: PackageIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The index sends a validator (an ETag): the second run asks each page
    again, conditionally, and the index answers 304 with no page."""
    public_lock(index, tmp_path / "app")
    assert slice_(tmp_path / "app", monkeypatch)[0] == 0
    first = written(tmp_path / "app")
    assert (len(index.served), index.revalidated) == (len(NAMES), [])

    index.served.clear()
    assert slice_(tmp_path / "app", monkeypatch)[0] == 0

    assert written(tmp_path / "app") == first
    assert (index.served, len(index.revalidated)) == ([], len(NAMES))


def test_within_the_indexs_max_age_a_second_run_asks_nothing(
    index: PackageIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index.max_age = 600  # as PyPI's pages say
    public_lock(index, tmp_path / "app")
    assert slice_(tmp_path / "app", monkeypatch)[0] == 0
    index.served.clear()

    assert slice_(tmp_path / "app", monkeypatch)[0] == 0
    assert (index.served, index.revalidated) == ([], [])


def test_no_cache_asks_every_page_in_full(
    index: PackageIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index.max_age = 600
    public_lock(index, tmp_path / "app")
    assert slice_(tmp_path / "app", monkeypatch)[0] == 0
    index.served.clear()

    assert slice_(tmp_path / "app", monkeypatch, "--no-cache")[0] == 0
    assert (len(index.served), index.revalidated) == (len(NAMES), [])


def test_a_locked_file_a_reused_page_lacks_is_asked_for_fresh(
    index: PackageIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page still fresh by its max-age, from before a new file was uploaded,
    is asked again, before the new file is called unserved."""
    index.max_age = 600
    public_lock(index, tmp_path / "app")
    assert slice_(tmp_path / "app", monkeypatch)[0] == 0
    index.served.clear()

    sdist = index.add(PUBLIC, Dist("pkg05", "1.0", sdist_only=True))
    lock = tmp_path / "app" / "poetry.lock"
    digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
    lock.write_text(
        lock.read_text().replace(
            '{file = "pkg05-1.0-py3-none-any.whl"',
            f'{{file = "{sdist.name}", hash = "sha256:{digest}"}},\n'
            '    {file = "pkg05-1.0-py3-none-any.whl"',
        )
    )
    status, _, errors = slice_(tmp_path / "app", monkeypatch)

    assert (status, errors) == (0, "")
    assert index.served == [f"/{PUBLIC}/simple/pkg05/"]
    assert f'name = "{sdist.name}"' in written(tmp_path / "app")


def test_a_locked_file_the_index_no_longer_serves_is_left_out_and_said(
    index: PackageIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As PyPI dropped faiss-cpu 1.8.0's sdist and kept its wheels: `poetry
    install` installs a wheel, and the file holds the wheel."""
    write_lock(tmp_path / "app", package(index, PUBLIC, "pkg01", "pkg01-1.0.tar.gz"))
    status, output, errors = slice_(tmp_path / "app", monkeypatch)

    assert (status, output) == (0, "")
    assert errors == (
        f"Warning: source {PUBLIC} ({index.simple_url(PUBLIC)}) no longer"
        " serves pkg01-1.0.tar.gz, which poetry.lock names for pkg01 1.0: the"
        " pylock.toml leaves it out (`poetry install` installs another of its"
        " files).\n"
    )
    text = written(tmp_path / "app")
    assert "pkg01-1.0-py3-none-any.whl" in text
    assert "tar.gz" not in text


def test_a_package_the_index_serves_no_locked_file_of_is_one_line_and_no_file(
    index: PackageIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Locked while the index still served pkg02's wheel.
    write_lock(
        tmp_path / "app",
        package(index, PUBLIC, "pkg01"),
        package(index, PUBLIC, "pkg02"),
    )
    (index.root / PUBLIC / "files" / "pkg02-1.0-py3-none-any.whl").unlink()
    index.refresh(PUBLIC, "pkg02")
    status, output, errors = slice_(tmp_path / "app", monkeypatch)

    assert (status, output) == (1, "")
    assert errors == (
        f"pkg02 1.0: source {PUBLIC} ({index.simple_url(PUBLIC)}) serves none of its"
        " locked files (pkg02-1.0-py3-none-any.whl): run `poetry lock` if they were"
        " removed, or check the source's settings and credentials.\n"
    )
    assert not (tmp_path / "app" / "pylock.toml").exists()


def test_a_hash_the_index_contradicts_is_refused(
    index: PackageIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = package(index, PUBLIC, "pkg04")
    digest = re.search(r"sha256:([0-9a-f]{64})", table)
    assert digest is not None
    write_lock(tmp_path / "app", table.replace(digest.group(1), "2" * 64))
    status, _, errors = slice_(tmp_path / "app", monkeypatch)

    assert status == 1
    assert errors == (
        f"pkg04 1.0: source {PUBLIC} ({index.simple_url(PUBLIC)}) serves"
        f" pkg04-1.0-py3-none-any.whl with sha256 {digest.group(1)}, where"
        f" poetry.lock has {'2' * 64}: run `poetry lock` if the index replaced the"
        " file, or check the source.\n"
    )
    assert not (tmp_path / "app" / "pylock.toml").exists()


def test_one_failing_lookup_among_many_is_one_line_and_stops_the_rest(
    index: PackageIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first page is refused; the others are slow: none starts after the
    refusal, and no file is written."""
    public_lock(index, tmp_path / "app")
    index.faults[f"/{PUBLIC}/simple/{NAMES[0]}/"] = "404"
    index.faults[f"/{PUBLIC}/simple/pkg"] = "slow"
    status, output, errors = slice_(tmp_path / "app", monkeypatch, workers=2)

    assert (status, output) == (1, "")
    assert errors == (
        f"Cannot look up {NAMES[0]} 1.0 in source {PUBLIC}"
        f" ({index.simple_url(PUBLIC)}): its page answers HTTP 404 Not Found: run"
        " `poetry lock` if it was removed, or check the source's settings and"
        " credentials.\n"
    )
    assert len(index.served) <= 3  # at most the lookups under way, never all
    assert not (tmp_path / "app" / "pylock.toml").exists()


def test_no_credentials_reach_the_file_or_its_messages(
    index: PackageIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A source URL that holds credentials (Poetry writes it into the lock as
    given): they are used for the lookups, and left out of the file, which says
    where uv and pip take them instead; an ssh URL's git user stays."""
    git = """
[[package]]
name = "{name}"
version = "1.0"
description = ""
optional = false
python-versions = "*"
groups = ["main"]
files = []
develop = false

[package.source]
type = "git"
url = "{url}"
reference = "main"
resolved_reference = "{commit}"
"""
    write_lock(
        tmp_path / "app",
        package(index, PRIVATE, "secret", "secret-1.0.tar.gz"),
        git.format(
            name="private-tool",
            url=f"https://{USER}:{PASSWORD}@git.example/tool.git",
            commit="1" * 40,
        ),
        git.format(
            name="ssh-tool", url="ssh://git@git.example/tool.git", commit="2" * 40
        ),
    )
    status, output, errors = slice_(tmp_path / "app", monkeypatch)

    assert (status, output) == (0, "")
    text = written(tmp_path / "app")
    for secret in (PASSWORD, f"{USER}:", f"{USER}@"):
        assert secret not in text + errors
    private = index.simple_url(PRIVATE)
    assert f'index = "{private}"' in text
    assert 'url = "https://git.example/tool.git"' in text
    assert 'url = "ssh://git@git.example/tool.git"' in text
    netrc = (
        " holds credentials, which the pylock.toml leaves out: uv and pip take them"
        " from a netrc file (machine {} login USER password PASSWORD), as the pylock"
        " recipe mounts one (docs/docker.md)."
    )
    assert errors.splitlines() == [
        "Warning: package private-tool's URL" + netrc.format("git.example"),
        f"Warning: source {PRIVATE}'s URL" + netrc.format("127.0.0.1"),
        (
            f"Warning: source {PRIVATE} ({private}) no longer serves"
            " secret-1.0.tar.gz, which poetry.lock names for secret 1.0: the"
            " pylock.toml leaves it out (`poetry install` installs another of its"
            " files)."
        ),
    ]


def test_credentials_a_source_refuses_are_not_printed(
    index: PackageIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = package(index, PRIVATE, "secret").replace(PASSWORD, "wrong-pass")
    write_lock(tmp_path / "app", table)
    status, output, errors = slice_(tmp_path / "app", monkeypatch)

    assert (status, output) == (1, "")
    assert errors == (
        f"Cannot look up secret 1.0 in source {PRIVATE} ({index.simple_url(PRIVATE)}):"
        " its page answers HTTP 401 Unauthorized: check the credentials Poetry has"
        f" for source {PRIVATE} (http-basic.{PRIVATE}, POETRY_HTTP_BASIC_*,"
        " keyring).\n"
    )


def test_a_token_in_a_sources_url_is_in_no_message(
    index: PackageIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A token is a URL's user as often as its password (`https://TOKEN@host`):
    where the lookup's error quotes the URL (here one that cannot be parsed),
    the token is taken out."""
    token = "glpat-Xa9tok3n"
    table = package(index, PUBLIC, "pkg01").replace(
        index.simple_url(PUBLIC), f"http://{token}@127.0.0.1:99999/simple/"
    )
    write_lock(tmp_path / "app", table)
    status, output, errors = slice_(tmp_path / "app", monkeypatch)

    assert (status, output) == (1, "")
    assert token not in errors
    assert errors == (
        f"Cannot look up pkg01 1.0 in source {PUBLIC}"
        " (http://127.0.0.1:99999/simple/): Failed to parse:"
        " http://127.0.0.1:99999/simple/pkg01/.\n"
    )


EXPECTED = Path(__file__).parent / "expected" / "pylock.toml"


def golden_lock(index: PackageIndex, directory: Path) -> None:
    """Packages of a private source (credentials from Poetry's variables) and
    a public one, with an sdist, markers per group and an extra."""
    index.add(PUBLIC, Dist("pkg03", "1.0", sdist_only=True))
    tables = [
        package(index, PUBLIC, "pkg01").replace(
            'groups = ["main"]',
            'groups = ["main", "dev"]\nmarkers = {dev = "python_version >= \\"3.10\\""}',
        ),
        package(index, PUBLIC, "pkg02").replace(
            "optional = false", 'optional = true\nmarkers = "extra == \\"fast\\""'
        ),
        package(index, PUBLIC, "pkg03"),
        package(index, PRIVATE, "secret").replace(f"{USER}:{PASSWORD}@", ""),
    ]
    sdist = index.root / PUBLIC / "files" / "pkg03-1.0.tar.gz"
    digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
    tables[2] = tables[2].replace(
        "files = [\n",
        f'files = [\n    {{file = "{sdist.name}", hash = "sha256:{digest}"}},\n',
    )
    write_lock(directory, *tables)
    text = (directory / "poetry.lock").read_text()
    (directory / "poetry.lock").write_text(
        text.replace("\n[metadata]", '\n[extras]\nfast = ["pkg02"]\n\n[metadata]')
    )


def test_the_file_is_what_the_serial_lookups_wrote(
    index: PackageIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Byte for byte what lock-slice wrote when it asked one page at a time
    (tests/command/expected/pylock.toml: 0.1.0's serial lookups wrote it), but
    for the index's address."""
    golden_lock(index, tmp_path / "app")
    monkeypatch.setenv(f"POETRY_HTTP_BASIC_{PRIVATE.upper()}_USERNAME", USER)
    monkeypatch.setenv(f"POETRY_HTTP_BASIC_{PRIVATE.upper()}_PASSWORD", PASSWORD)
    status, _, errors = slice_(
        tmp_path / "app", monkeypatch, "--all-groups", "-E", "fast", workers=6
    )

    assert (status, errors) == (0, "")
    expected = EXPECTED.read_text(encoding="utf-8").replace("{index}", index.url)
    assert written(tmp_path / "app") == expected


class RecordingKeyring(KeyringBackend):
    """A keyring that holds nothing, and records which thread asked it."""

    priority = 1
    threads: ClassVar[list[int]] = []

    def get_password(self, service: str, username: str) -> str | None:
        self.threads.append(threading.get_ident())
        return None

    def get_credential(self, service: str, username: str | None) -> None:
        self.threads.append(threading.get_ident())

    def set_password(self, service: str, username: str, password: str) -> None:
        raise NotImplementedError

    def delete_password(self, service: str, username: str) -> None:
        raise NotImplementedError


def test_the_keyring_is_asked_from_the_main_thread_alone(
    index: PackageIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keyring backends (D-Bus, the macOS keychain) are not made for threads:
    the credentials of every page are looked up before the lookups start."""
    previous = keyring.get_keyring()
    keyring.set_keyring(RecordingKeyring())  # type: ignore[no-untyped-call]
    cached = getattr(PoetryKeyring.is_available, "cache_clear", None)
    if cached is not None:
        cached()
    RecordingKeyring.threads.clear()
    try:
        public_lock(index, tmp_path / "app")
        assert slice_(tmp_path / "app", monkeypatch, workers=8)[0] == 0
    finally:
        keyring.set_keyring(previous)
        if cached is not None:
            cached()

    assert RecordingKeyring.threads
    assert set(RecordingKeyring.threads) == {threading.main_thread().ident}
