"""The uv venv: a virtualenv that uv creates where Poetry would create one.

With `--installer uv`, uv installs the packages anyway, and it creates a
virtualenv in a tenth of the time Poetry's virtualenv takes, most of which goes
to seeding pip. Poetry still decides everything about the environment: where,
its name and prompt, the interpreter, whether to seed pip and to see the system
site-packages, and what it prints; only the creation is uv's. The result is the
environment Poetry's own would be, to Poetry: the same interpreter, the same
`pyvenv.cfg` settings Poetry reads (`home`, `include-system-site-packages`), the
same prompt, and pip from the very wheel virtualenv would seed (setuptools and
wheel are seeded by neither). Where Poetry's configuration asks for something
uv does not do the same way, Poetry's virtualenv creates it, as without uv.
"""

from __future__ import annotations

import os
import shutil
import sys

from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from poetry.utils.env import EnvManager

from poetry_plugin_install_locked.poetry_support import virtualenv_takes_interpreter
from poetry_plugin_install_locked.uv_call import run_uv


if TYPE_CHECKING:
    from collections.abc import Mapping

    from cleo.io.io import IO
    from poetry.poetry import Poetry


# virtualenv options of Poetry's (virtualenvs.options, and those build_venv sets)
# and the values uv matches; any other option or value is virtualenv's to apply.
SAME_AS_UV = {
    "always-copy": (False,),
    "system-site-packages": (False, True),
    "no-pip": (False, True),
    "no-setuptools": (True,),
    "no-wheel": (True, False),  # virtualenv no longer seeds wheel either way
}
# uv settings that would change the virtualenv it creates: Poetry's to decide.
UV_VENV_VARIABLES = (
    "UV_VENV_",
    "UV_PYTHON",
    "UV_MANAGED_PYTHON",
    "UV_NO_MANAGED_PYTHON",
)


class UvEnvManager(EnvManager):
    """Poetry's EnvManager, whose new virtualenvs uv creates."""

    def __init__(self, poetry: Poetry, io: IO | None = None, *, uv: str) -> None:
        super().__init__(poetry, io=io)
        self._uv = uv

    def build_venv(  # type: ignore[override]
        self,
        path: Path,
        executable: Path | None = None,
        flags: dict[str, str | bool] | None = None,
        with_pip: bool | None = None,
        prompt: str | None = None,
    ) -> Any:
        """Poetry's build_venv, its decisions kept; uv creates the virtualenv
        where it creates the same one, else (or where uv fails) virtualenv."""
        options = {"no-setuptools": True, "no-wheel": True, **(flags or {})}
        python = (executable or Path(sys.executable)).resolve()
        if with_pip is None and _same_as_uv(options, python):
            try:
                self._create(path, python, options, prompt)
                return None  # Poetry uses no result of its own build_venv
            except OSError:
                shutil.rmtree(path, ignore_errors=True)
        return EnvManager.build_venv(path, executable, flags, with_pip, prompt)

    def _create(
        self,
        path: Path,
        python: Path,
        options: Mapping[str, object],
        prompt: str | None,
    ) -> None:
        command = [self._uv, "venv", "--quiet", "--no-config", "--no-project"]
        command += ["--no-python-downloads", "--python", str(python)]
        if prompt is not None:
            command += ["--prompt", prompt]
        if options.get("system-site-packages"):
            command.append("--system-site-packages")
        environment = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(UV_VENV_VARIABLES)
        }
        _run([*command, str(path)], environment)
        if not options.get("no-pip"):
            _seed_pip(self._uv, path, environment)


def _same_as_uv(options: Mapping[str, object], python: Path) -> bool:
    """Whether virtualenv, as Poetry runs it, would create what uv does."""
    if sys.platform in ("win32", "darwin"):
        return False  # Windows paths; the Time Machine exclusion Poetry sets
    if any(SAME_AS_UV.get(key, ()).count(value) == 0 for key, value in options.items()):
        return False
    if not _virtualenv_unconfigured():
        return False
    if not virtualenv_takes_interpreter():
        # virtualenv takes the interpreter it runs on; uv the one asked for.
        return python == Path(sys.executable).resolve()
    return True


def _virtualenv_unconfigured() -> bool:
    """Whether virtualenv runs with its defaults (no VIRTUALENV_* variable, no
    configuration file), and has the internals the uv venv reads (its
    configuration file, the pip it embeds): else it creates the virtualenv."""
    if any(key.startswith("VIRTUALENV_") for key in os.environ):
        return False
    try:
        from virtualenv.config.ini import IniConfig
        from virtualenv.seed.wheels.embed import get_embed_wheel  # noqa: F401
    except ImportError:
        return False
    return not IniConfig(env=dict(os.environ))


def _seed_pip(uv: str, path: Path, environment: dict[str, str]) -> None:
    """pip from the wheel virtualenv embeds for this Python: the one it seeds."""
    from virtualenv.seed.wheels.embed import get_embed_wheel

    python = path / "bin" / "python"
    minor = next(
        ".".join(line.split("=", 1)[1].strip().split(".")[:2])
        for line in (path / "pyvenv.cfg").read_text(encoding="utf-8").splitlines()
        if line.startswith("version_info")
    )
    wheel = get_embed_wheel("pip", minor)
    if wheel is None:
        raise OSError(f"virtualenv embeds no pip for Python {minor}")
    command = [uv, "pip", "install", "--quiet", "--no-config", "--no-index"]
    command += ["--find-links", str(wheel.path.parent), "--python", str(python)]
    _run([*command, f"pip=={wheel.version}"], environment)


def _run(command: list[str], environment: dict[str, str]) -> None:
    """Run uv as the uv executor runs it: a signal reaches it too, and it is
    waited for, so that nothing is created after this process ends."""
    status, errors = run_uv(command, "", environment)
    if status != 0:
        raise OSError(f"{' '.join(command[:2])} failed: {errors.strip()}")
