"""No credentials leave a source's URL: passwords and tokens go, the git user of
an ssh URL (no secret) stays."""

from __future__ import annotations

import pytest

from poetry_plugin_install_locked.served_files import without_credentials


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://pkgs.example/simple/", "https://pkgs.example/simple/"),
        ("https://user:pa55@pkgs.example/simple/", "https://pkgs.example/simple/"),
        (
            "https://__token__:pypi-AgE@pkgs.example:8443/s/",
            "https://pkgs.example:8443/s/",
        ),
        (
            "https://ghp_T0KEN@github.com/org/repo.git",
            "https://github.com/org/repo.git",
        ),
        ("ssh://git@github.com/org/repo.git", "ssh://git@github.com/org/repo.git"),
        ("git+ssh://git:pw@host/repo.git", "git+ssh://git@host/repo.git"),
        ("git@github.com:org/repo.git", "git@github.com:org/repo.git"),
        ("http://user:p%40ss@127.0.0.1:8080/x", "http://127.0.0.1:8080/x"),
    ],
)
def test_a_url_loses_its_credentials_and_keeps_the_rest(
    url: str, expected: str
) -> None:
    assert without_credentials(url) == expected
