"""What macOS and Windows do differently, reproduced here: a slice's bytes are
the same whatever OS, locale or console writes them; Windows paths, locked
files, Ctrl-C and code pages; symlinked directories as macOS's /tmp is one."""

from __future__ import annotations

import io
import json
import ntpath
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import types

from typing import TYPE_CHECKING
from typing import Any
from typing import cast

import pytest

from cleo.application import Application as CleoApplication
from cleo.io.inputs.argv_input import ArgvInput
from cleo.io.outputs.stream_output import StreamOutput
from poetry.console.application import Application

from poetry_plugin_install_locked import output
from poetry_plugin_install_locked.environment import installed_project
from poetry_plugin_install_locked.installed import interrupted_installs
from poetry_plugin_install_locked.output import replace
from poetry_plugin_install_locked.output import write_file
from poetry_plugin_install_locked.pylock import posix_relative
from poetry_plugin_install_locked.uv_call import interrupted
from poetry_plugin_install_locked.uv_call import run_uv
from tests.support.locks import LOCK


if TYPE_CHECKING:
    from pathlib import Path

    from poetry.utils.env import Env


TEXT = '[[package]]\nname = "caf\u00e9"\n'


def windows_text_mode(real_open: Any) -> Any:
    """`open` as on Windows: text written with CRLF, in the ANSI code page."""

    def open_(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if "b" not in mode:
            kwargs["newline"] = kwargs.get("newline") or "\r\n"
            kwargs["encoding"] = kwargs.get("encoding") or "cp1252"
        return real_open(file, mode, *args, **kwargs)

    return open_


def test_a_slice_file_is_utf8_with_lf_where_text_files_are_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile._io, "open", windows_text_mode(io.open))  # type: ignore[attr-defined]
    write_file(tmp_path / "slice" / "poetry.lock", TEXT)

    assert (tmp_path / "slice" / "poetry.lock").read_bytes() == TEXT.encode("utf-8")


def test_a_slice_on_standard_output_is_utf8_with_lf_whatever_the_console(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Redirected on Windows, standard output is a text stream in the ANSI code
    page that writes CRLF."""
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "poetry.lock").write_text(LOCK)
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="cp1252", newline="\r\n")
    application = Application()
    application.auto_exits(False)

    status = CleoApplication.run(
        application,
        ArgvInput(["poetry", "lock-slice", "--only", "main"]),
        StreamOutput(stream),
        StreamOutput(io.StringIO()),
    )

    assert status == 0
    stream.flush()
    assert b"\r" not in raw.getvalue()
    assert raw.getvalue().startswith(b"# This file is automatically @generated")
    raw.getvalue().decode("utf-8")


@pytest.mark.parametrize(
    ("path", "start", "relative"),
    [
        (r"C:\proj\libs\lib", r"C:\proj\out", "../libs/lib"),
        (r"C:\proj\libs\lib", r"C:\proj", "./libs/lib"),
        (r"c:\proj\libs\lib", r"C:\Proj", "./libs/lib"),
        ("/proj/libs/lib", "/proj/out", "../libs/lib"),
    ],
)
def test_a_pylock_path_is_relative_with_slashes_whatever_the_os(
    path: str, start: str, relative: str
) -> None:
    paths = ntpath if ":" in path else os.path
    assert posix_relative(path, start, paths) == relative


def test_a_path_on_another_drive_cannot_be_relative() -> None:
    with pytest.raises(ValueError, match=r"different drives|mount"):
        posix_relative(r"D:\libs\lib", r"C:\proj", ntpath)


def test_a_slice_replaces_a_file_windows_holds_open_once_it_is_let_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An editor or an antivirus scan holding the target refuses the move, on
    Windows, for a moment."""
    source, target = tmp_path / "new", tmp_path / "poetry.lock"
    source.write_text("new")
    target.write_text("old")
    refusals = iter([True, True])
    real_replace = pathlib.Path.replace

    def replace_held(self: pathlib.Path, to: Any) -> pathlib.Path:
        if next(refusals, False):
            raise PermissionError(13, "The process cannot access the file")
        return real_replace(self, to)

    monkeypatch.setattr(pathlib.Path, "replace", replace_held)
    monkeypatch.setattr(output, "REPLACE_PAUSE", 0)

    with pytest.raises(PermissionError):
        replace(source, target, platform="linux")  # refused at once elsewhere
    replace(source, target, platform="win32")

    assert target.read_text() == "new"


def test_ctrl_c_on_windows_waits_for_uv_and_sends_it_no_signal() -> None:
    """The console sent uv the Ctrl-C already; Popen there sends no SIGINT."""
    process = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(0.2)"], text=True
    )

    def unsupported(signal: int) -> None:
        raise ValueError(f"Unsupported signal: {signal}")

    process.send_signal = unsupported  # type: ignore[method-assign, assignment]
    interrupted(process, platform="win32")

    assert process.returncode == 0


@pytest.mark.skipif(sys.platform == "win32", reason="Popen sends no SIGINT there")
def test_ctrl_c_elsewhere_stops_uv_and_waits_for_it() -> None:
    # A background job inherits SIGINT ignored: uv, like Python, takes it.
    script = (
        "import signal, time; signal.signal(signal.SIGINT, signal.default_int_handler)"
        "; print('ready', flush=True); time.sleep(30)"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "ready\n"
    interrupted(process, platform=sys.platform)

    assert process.returncode not in (None, 0)


def test_uvs_messages_are_read_as_the_utf8_it_writes() -> None:
    """Whatever the locale's encoding (cp1252 on Windows): a byte it cannot
    decode is replaced, not the end of the reader."""
    script = "import sys; sys.stderr.buffer.write(b'caf\\xc3\\xa9 \\xff'); sys.exit(2)"
    status, errors = run_uv([sys.executable, "-c", script], "", dict(os.environ))

    assert (status, errors) == (2, "caf\u00e9 \ufffd")


def test_an_install_cut_short_is_told_apart_whatever_the_locale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A RECORD names a file with a non-ASCII name, in UTF-8 (PEP 376): read
    in the locale's encoding (cp1252 on Windows) it was taken for an install cut
    short, and installed again on every run."""
    real_read_text = pathlib.Path.read_text

    def read_text_as_on_windows(
        self: pathlib.Path, encoding: str | None = None, errors: str | None = None
    ) -> str:
        return real_read_text(self, encoding=encoding or "cp1252", errors=errors)

    monkeypatch.setattr(pathlib.Path, "read_text", read_text_as_on_windows)
    site = tmp_path / "site-packages"
    dist_info = site / "cafe-1.0.dist-info"
    dist_info.mkdir(parents=True)
    (site / "caf\u00e9.py").write_bytes(b"")
    (dist_info / "RECORD").write_bytes(
        "caf\u00e9.py,,\ncafe-1.0.dist-info/RECORD,,\n".encode()
    )
    env = types.SimpleNamespace(paths={"purelib": str(site), "platlib": str(site)})

    assert interrupted_installs(cast("Env", env)) == set()


@pytest.fixture
def symlinked(tmp_path: Path) -> tuple[Path, Path]:
    """A directory and a symlink to the one holding it, as macOS's /tmp."""
    real = tmp_path / "private" / "tmp"
    (real / "app").mkdir(parents=True)
    try:
        (tmp_path / "tmp").symlink_to(real, target_is_directory=True)
    except OSError as e:  # Windows without the right to make symlinks
        pytest.skip(f"no symlink here: {e}")
    return real / "app", tmp_path / "tmp" / "app"


@pytest.mark.parametrize("installed_through", ["symlink", "real"])
def test_the_project_installed_through_a_symlinked_path_is_recognised(
    installed_through: str, symlinked: tuple[Path, Path], tmp_path: Path
) -> None:
    """`poetry install` writes the directory it ran in (`-C /tmp/app`); the
    later install-locked may be given its other spelling."""
    real, link = symlinked
    written, asked = (link, real) if installed_through == "symlink" else (real, link)
    site = tmp_path / "site-packages"
    dist_info = site / "app-0.1.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: app\nVersion: 0.1\n"
    )
    (dist_info / "direct_url.json").write_text(
        json.dumps({"url": written.as_uri(), "dir_info": {"editable": True}})
    )
    env = types.SimpleNamespace(paths={"purelib": str(site), "platlib": str(site)})

    assert installed_project(cast("Env", env), asked) == "app"
    shutil.rmtree(real)
    assert installed_project(cast("Env", env), tmp_path) is None
