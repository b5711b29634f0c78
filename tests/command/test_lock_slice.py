"""`poetry lock-slice` through cleo's CommandTester, on a lock the real `poetry
lock` wrote: its options, its errors, and the slice's properties (written as
Poetry writes locks; the same bytes after any change that installs nothing new;
always a lock the installer reads)."""

from __future__ import annotations

import copy
import shutil

from typing import TYPE_CHECKING
from typing import Any

import pytest
import tomlkit

from cleo.testers.application_tester import ApplicationTester
from cleo.testers.command_tester import CommandTester
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from poetry.console.application import Application
from poetry.packages.locker import Locker

from poetry_plugin_install_locked.plugins import InstallLockedApplicationPlugin


if TYPE_CHECKING:
    from pathlib import Path


def slicer(directory: Path, monkeypatch: pytest.MonkeyPatch) -> CommandTester:
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    monkeypatch.chdir(directory)
    application = Application()
    InstallLockedApplicationPlugin().activate(application)
    return CommandTester(application.find("lock-slice"))


@pytest.fixture
def locked(committed_app: Path, tmp_path: Path) -> Path:
    """A directory holding only the real lock of the fixture app."""
    directory = tmp_path / "locked"
    directory.mkdir()
    shutil.copy2(committed_app / "poetry.lock", directory)
    return directory


def run(
    directory: Path, monkeypatch: pytest.MonkeyPatch, args: str
) -> tuple[int, str, str]:
    tester = slicer(directory, monkeypatch)
    status = tester.execute(args)
    return status, tester.io.fetch_output(), tester.io.fetch_error()


def test_a_slice_of_everything_is_the_lock_as_poetry_wrote_it(
    locked: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the header, the digest, and what the selected extras settle (a
    package's marker, and that it is optional) differ: the rest is Poetry's
    layout, byte for byte."""
    status, text, _ = run(locked, monkeypatch, "--all-groups --all-extras")
    assert status == 0

    def lines(text: str) -> list[str]:
        return [
            line.replace("optional = true", "optional = false")
            for line in text.splitlines()
            if not line.startswith(("# This file", "content-hash = "))
            and 'extra == \\"fancy\\"' not in line
        ]

    original = (locked / "poetry.lock").read_text()
    assert "optional = true" in original
    assert lines(text) == lines(original)


@pytest.mark.parametrize(
    ("project_option", "written_in"),
    [("-C", "project"), ("-P", "working directory")],
)
def test_the_output_file_is_relative_to_the_working_directory_and_its_directory_is_made(
    project_option: str,
    written_in: str,
    locked: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As Poetry resolves its arguments: -C changes the working directory, -P
    names the project and keeps it (and as its export plugin writes)."""
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    working_directory = tmp_path / "elsewhere"
    working_directory.mkdir()
    monkeypatch.chdir(working_directory)
    application = Application()  # which loads the plugin, as `poetry` does
    application.auto_exits(False)
    tester = ApplicationTester(application)

    status = tester.execute(
        f"{project_option} {locked} lock-slice --only main -o slice/poetry.lock"
    )

    assert (status, tester.io.fetch_output()) == (0, ""), tester.io.fetch_error()
    directory = locked if written_in == "project" else working_directory
    packages = tomlkit.parse((directory / "slice" / "poetry.lock").read_text())
    assert {g for p in packages["package"] for g in p["groups"]} == {"main"}
    assert len(list(tmp_path.rglob("slice"))) == 1


@pytest.mark.parametrize("output", ["", "--output=-", "-o-"])
def test_without_a_file_the_slice_goes_to_standard_output_alone(
    output: str, locked: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before Poetry 2.3 a warning says that `poetry install` would resolve again.
    monkeypatch.setenv("POETRY_INSTALLER_RE_RESOLVE", "false")
    status, text, error = run(locked, monkeypatch, f"{output} --only main")

    assert (status, error) == (0, "")
    assert tomlkit.parse(text)["metadata"]["lock-version"] == "2.1"


def test_every_group_is_selected_without_pyproject_and_a_warning_says_so(
    locked: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    status, text, error = run(locked, monkeypatch, "")

    assert status == 0
    assert "Warning: poetry.lock does not record which groups are optional" in error
    assert {"main", "dev", "docs"} == {
        g for p in tomlkit.parse(text).unwrap()["package"] for g in p["groups"]
    }


def test_beside_pyproject_the_optional_groups_are_left_out(
    committed_app: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    shutil.copytree(committed_app, project)
    status, text, error = run(project, monkeypatch, "")

    assert (status, error) == (0, "")
    groups = {g for p in tomlkit.parse(text).unwrap()["package"] for g in p["groups"]}
    assert groups == {"main", "dev"}  # docs is optional


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            "--only nope",
            "Group(s) not found: nope (poetry.lock knows: dev, docs, main).",
        ),
        ("-E nope", "Extra(s) not found: nope (poetry.lock knows: fancy)."),
        (
            "--with dev --all-groups",
            "You cannot specify --with, --without, or --only when using --all-groups.",
        ),
        (
            "-E fancy --all-extras",
            "You cannot specify explicit --extras while installing using --all-extras.",
        ),
    ],
)
def test_bad_options_are_install_lockeds_one_line_errors(
    args: str, error: str, locked: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    status, output, message = run(locked, monkeypatch, f"{args} -o slice/poetry.lock")

    assert (status, output, message.strip()) == (1, "", error)
    assert not (locked / "slice").exists()


def test_a_bad_lock_is_install_lockeds_one_line_error(
    locked: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (locked / "poetry.lock").write_text('[metadata]\nlock-version = "2.0"\n')
    status, _, error = run(locked, monkeypatch, "")

    assert status == 1
    assert len(error.strip().splitlines()) == 1
    assert "has lock-version 2.0, which does not record" in error


def test_an_output_that_cannot_be_written_is_one_line(
    locked: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (locked / "blocker").write_text("")
    status, _, error = run(locked, monkeypatch, "-o blocker/poetry.lock")

    assert status == 1
    assert error.strip().startswith(
        f"Cannot write the slice to {locked / 'blocker' / 'poetry.lock'}: "
    )
    assert (locked / "blocker").read_text() == ""


# --- properties, over random changes to the real lock ----------------------------

MAIN_ONLY = "--only main -E fancy"


def lock_data(committed_app: Path) -> dict[str, Any]:
    return tomlkit.parse((committed_app / "poetry.lock").read_text()).unwrap()


def selected(package: dict[str, Any]) -> bool:
    return "main" in package["groups"]


@st.composite
def unselected_change(draw: st.DrawFn, data: dict[str, Any]) -> dict[str, Any]:
    """A change that installs nothing new for MAIN_ONLY."""
    data = copy.deepcopy(data)
    packages = data["package"]
    action = draw(
        st.sampled_from(
            ["upgrade", "remove", "add", "rename group", "gain group", "hash"]
        )
    )
    dev_only = [p for p in packages if not selected(p)]
    if action == "add" or not dev_only:
        name = draw(st.sampled_from(["newtool", "lint-x", "zz-top"]))
        packages.append(
            {
                **copy.deepcopy(dev_only[0] if dev_only else packages[0]),
                "name": name,
                "groups": ["dev"],
            }
        )
    elif action == "upgrade":
        draw(st.sampled_from(dev_only))["version"] = draw(
            st.sampled_from(["9.0", "1.0.1"])
        )
    elif action == "remove":
        packages.remove(draw(st.sampled_from(dev_only)))
    elif action == "rename group":
        target = draw(st.sampled_from(dev_only))
        target["groups"] = [draw(st.sampled_from(["lint", "test"]))]
        target.pop("markers", None)
    elif action == "gain group":
        target = draw(st.sampled_from([p for p in packages if selected(p)]))
        target["groups"] = [*target["groups"], "typing"]
    else:
        for file in draw(st.sampled_from(dev_only)).get("files", []):
            file["hash"] = "sha256:" + "0" * 64
    data["metadata"]["content-hash"] = draw(
        st.text("0123456789abcdef", min_size=8, max_size=8)
    )
    return data


@st.composite
def selected_change(draw: st.DrawFn, data: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(data)
    target = draw(st.sampled_from([p for p in data["package"] if selected(p)]))
    action = draw(
        st.sampled_from(["version", "files", "source", "markers", "dependency"])
    )
    if action == "version":
        target["version"] = target["version"] + ".1"
    elif action == "files":
        target["files"] = [
            *target.get("files", []),
            {"file": "x-1.0.tar.gz", "hash": "sha256:" + "1" * 64},
        ]
    elif action == "source":
        target["source"] = {
            "type": "url",
            "url": "https://elsewhere.example/x-1.0.tar.gz",
        }
    elif action == "markers":
        target["markers"] = 'platform_machine != "s390x"'
    else:
        target["dependencies"] = {**target.get("dependencies", {}), "extra-dep": ">=1"}
    return data


def slice_of(
    directory: Path, data: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> str:
    (directory / "poetry.lock").write_text(tomlkit.dumps(data))
    status, text, error = run(directory, monkeypatch, f"{MAIN_ONLY} --output=-")
    assert status == 0, error
    return text


PROPERTY = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY
@given(data=st.data())
def test_changes_that_install_nothing_new_leave_the_slice_byte_identical(
    data: st.DataObject,
    committed_app: Path,
    locked: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = lock_data(committed_app)
    before = slice_of(locked, original, monkeypatch)
    assert (
        slice_of(locked, data.draw(unselected_change(original)), monkeypatch) == before
    )


@PROPERTY
@given(data=st.data())
def test_any_change_to_a_selected_package_changes_the_slice_and_it_still_reads(
    data: st.DataObject,
    committed_app: Path,
    locked: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    original = lock_data(committed_app)
    before = slice_of(locked, original, monkeypatch)
    after = slice_of(locked, data.draw(selected_change(original)), monkeypatch)
    assert after != before

    # Every slice is a lock Poetry's installer reads, package by package.
    (tmp_path / "slice").mkdir(exist_ok=True)
    (tmp_path / "slice" / "poetry.lock").write_text(after)
    locker = Locker(tmp_path / "slice" / "poetry.lock", {})
    assert locker.is_locked_groups_and_markers()
    assert locker.locked_repository().packages


@st.composite
def pyproject_edit(draw: st.DrawFn, text: str) -> str:
    """An edit of pyproject.toml that changes nothing the project installs: its
    version, description, authors, keywords, a tool's settings."""
    document = tomlkit.parse(text)
    project = document["project"]
    for _ in range(draw(st.integers(1, 3))):
        field = draw(
            st.sampled_from(["version", "description", "authors", "keywords", "tool"])
        )
        if field == "version":
            project["version"] = ".".join(
                str(draw(st.integers(0, 20))) for _ in range(3)
            )
        elif field == "description":
            project["description"] = draw(st.text(max_size=40))
        elif field == "authors":
            project["authors"] = [{"name": draw(st.text(min_size=1, max_size=10))}]
        elif field == "keywords":
            project["keywords"] = draw(st.lists(st.text(max_size=8), max_size=3))
        else:
            tool = document.setdefault("tool", tomlkit.table())
            tool[draw(st.sampled_from(["ruff", "mypy", "pytest"]))] = {
                "line-length": draw(st.integers(60, 120))
            }
    return tomlkit.dumps(document)


@PROPERTY
@given(data=st.data())
def test_beside_pyproject_edits_that_install_nothing_new_leave_the_slice_as_it_was(
    data: st.DataObject,
    committed_app: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project = tmp_path_factory.mktemp("exact") / "project"
    shutil.copytree(committed_app, project)
    selection = data.draw(st.sampled_from(["", MAIN_ONLY, "--with docs -E fancy"]))
    status, before, error = run(project, monkeypatch, selection)
    assert status == 0, error

    pyproject = project / "pyproject.toml"
    edit = data.draw(pyproject_edit(pyproject.read_text(encoding="utf-8")))
    pyproject.write_text(edit, encoding="utf-8")  # Hypothesis's text: any Unicode
    status, after, error = run(project, monkeypatch, selection)

    assert status == 0, error
    assert after == before


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            "--format pylock -o locks/pylock-prod.toml",
            (
                "pylock-prod.toml is not a name uv and pip read a PEP 751 lock from:"
                " name it pylock.toml or pylock.NAME.toml."
            ),
        ),
        ("--format json", "--format is 'json': it can be lock or pylock."),
        (
            "--multi-use",
            (
                "--multi-use writes a pylock.toml of every group and extra, chosen"
                " when installing: use it with --format pylock, and without a"
                " selection."
            ),
        ),
        (
            "--format pylock --multi-use --only main -E fancy",
            (
                "--multi-use writes a pylock.toml of every group and extra, chosen"
                " when installing: use it with --format pylock, and without --only,"
                " --extras."
            ),
        ),
    ],
)
def test_pylock_options_that_cannot_hold_are_one_line_errors(
    args: str, error: str, locked: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    status, output, errors = run(locked, monkeypatch, args)

    assert (status, output, errors.strip()) == (1, "", error)
    assert not (locked / "locks").exists()
