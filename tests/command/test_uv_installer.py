"""`--installer uv` through cleo's CommandTester: how it is chosen, and the
one-line errors that come before any environment is made."""

from __future__ import annotations

import sys

from typing import TYPE_CHECKING

import pytest

from poetry_plugin_install_locked.uv_call import Index
from poetry_plugin_install_locked.uv_call import _reason
from poetry_plugin_install_locked.uv_executor import find_uv
from poetry_plugin_install_locked.uv_executor import installer_choice


if TYPE_CHECKING:
    from pathlib import Path

    from cleo.testers.command_tester import CommandTester


def test_the_option_wins_over_the_variable_which_wins_over_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("POETRY_INSTALL_LOCKED_INSTALLER", raising=False)
    assert installer_choice(None) == "poetry"
    monkeypatch.setenv("POETRY_INSTALL_LOCKED_INSTALLER", "uv")
    assert installer_choice(None) == "uv"
    assert installer_choice("poetry") == "poetry"


@pytest.mark.parametrize(
    ("args", "variable", "error"),
    [
        ("--installer pip", None, "--installer is 'pip': it can be poetry or uv."),
        (
            "",
            "npm",
            "POETRY_INSTALL_LOCKED_INSTALLER is 'npm': it can be poetry or uv.",
        ),
    ],
)
def test_an_unknown_installer_is_one_line(
    args: str,
    variable: str | None,
    error: str,
    tester: CommandTester,
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if variable:
        monkeypatch.setenv("POETRY_INSTALL_LOCKED_INSTALLER", variable)
    assert tester.execute(f"--only main --no-directory {args}") == 1
    assert tester.io.fetch_error().strip() == error
    assert not (project / ".venv").exists()


def test_without_uv_the_line_says_how_to_get_it(
    tester: CommandTester, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "uv", None)  # the [uv] extra not installed
    monkeypatch.setenv("PATH", str(project))  # and no uv on PATH
    assert tester.execute("--only main --no-directory --installer uv") == 1
    assert tester.io.fetch_error().strip() == (
        "--installer uv needs uv: install the plugin with its uv extra"
        ' (pip install "poetry-plugin-install-locked[uv]", beside Poetry),'
        " or put uv on PATH."
    )
    assert not (project / ".venv").exists()


def test_uv_comes_from_the_extra_first() -> None:
    from uv import find_uv_bin

    assert find_uv() == str(find_uv_bin())


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("cert", "/etc/ssl/private-ca.pem"),
        ("cert", "false"),  # Poetry's way to turn verification off
        ("client-cert", "/etc/ssl/me.pem"),
    ],
)
def test_a_source_certificate_uv_cannot_apply_is_refused_in_one_line(
    setting: str,
    value: str,
    tester: CommandTester,
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    name = f"POETRY_CERTIFICATES_CORP_{setting.upper().replace('-', '_')}"
    monkeypatch.setenv(name, value)
    assert tester.execute("--only main --no-directory --installer uv") == 1
    assert tester.io.fetch_error().strip() == (
        "Source corp has certificates of its own (certificates.corp in Poetry's"
        " configuration), which --installer uv cannot apply to one source alone:"
        " use --installer poetry, or give uv a certificate bundle for every index"
        " with SSL_CERT_FILE."
    )
    assert not (project / ".venv").exists()


def test_two_sources_whose_credential_variables_would_collide_are_refused(
    tester: CommandTester, project: Path
) -> None:
    lock = project / "poetry.lock"
    text = lock.read_text().replace('reference = "corp"', 'reference = "my-corp"')
    lock.write_text(
        text.replace(
            "files = []\ndevelop = true",
            'files = []\n\n[package.source]\ntype = "legacy"\n'
            'url = "https://other.example/simple"\nreference = "my.corp"\n\n'
            '[[package]]\nname = "lib2"\nversion = "0.1"\ndescription = ""\n'
            'optional = false\npython-versions = "*"\ngroups = ["main"]\n'
            "files = []\ndevelop = true",
        )
    )
    assert tester.execute("--only main --no-directory --installer uv") == 1
    assert tester.io.fetch_error().strip() == (
        "Sources my-corp and my.corp have one name for uv's credential variables"
        " (UV_INDEX_MY_CORP_*): rename one, or use --installer poetry."
    )


def test_credentials_in_a_source_url_are_taken_out_of_it() -> None:
    index = Index.of("corp", "https://deploy:s%40cret@pkgs.example:8443/simple/")
    assert index.url == "https://pkgs.example:8443/simple/"
    assert index.url_credentials == ("deploy", "s@cret")
    assert Index.of("pub", "https://pypi.org/simple/").url_credentials == (None, None)


def test_credentials_reach_uv_through_its_environment_only() -> None:
    index = Index("my-corp.idx", "https://pkgs.example/simple")
    assert index.uv_name == "my-corp.idx"
    assert index.credential_variables("deploy", "secret") == {
        "UV_INDEX_MY_CORP_IDX_USERNAME": "deploy",
        "UV_INDEX_MY_CORP_IDX_PASSWORD": "secret",
    }


def test_uvs_error_and_its_causes_make_one_line() -> None:
    errors = (
        "Using Python 3.11.7 environment at: .venv\n"
        "error: Request failed after 3 retries\n"
        "  cause: Failed to fetch: http://127.0.0.1:9/simple/x/\n"
        "  cause: Connection refused (os error 111)\n"
        "  help: try again\n"
    )
    assert _reason(errors) == (
        "Request failed after 3 retries: Failed to fetch:"
        " http://127.0.0.1:9/simple/x/: Connection refused (os error 111)"
    )
