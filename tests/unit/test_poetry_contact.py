"""Poetry's internals are reached from a few modules only, each named for its
concept, so that what a new Poetry release may break stays in one small place
(and in INTERNALS, which is checked before anything runs)."""

from __future__ import annotations

import ast

from pathlib import Path

import poetry_plugin_install_locked


PACKAGE = Path(poetry_plugin_install_locked.__file__).parent
# What Poetry offers plugins (its plugin API, the console and the Poetry object)
# and poetry-core, a library of its own.
PUBLIC = (
    "poetry.core",
    "poetry.console.application",
    "poetry.console.commands",
    "poetry.plugins.application_plugin",
    "poetry.poetry",
)
CONTACT = {
    "artifacts",
    "environment",
    "executors",
    "lock_only",
    "package_sources",
    "poetry_support",
    "resolution",
    "served_files",
    "uv_venv",
}


def runtime_imports(tree: ast.Module) -> set[str]:
    """The modules imported when the module runs (not for type checking alone)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for statement in node.orelse:
                visit(statement)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def poetry_internals(path: Path) -> set[str]:
    return {
        name
        for name in runtime_imports(ast.parse(path.read_text()))
        if (name == "poetry" or name.startswith("poetry."))
        and not any(name == p or name.startswith(f"{p}.") for p in PUBLIC)
    }


def test_only_the_contact_modules_import_poetry_internals() -> None:
    importing = {
        path.stem: internals
        for path in PACKAGE.glob("*.py")
        if (internals := poetry_internals(path))
    }
    assert set(importing) <= CONTACT, {
        name: sorted(internals)
        for name, internals in importing.items()
        if name not in CONTACT
    }


def test_the_check_finds_imports_in_functions_and_skips_type_only_ones() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from poetry.utils.env import Env\n"
        "def f():\n    from poetry.installation.executor import Executor\n"
        "import poetry.core.packages\n"
    )
    assert runtime_imports(ast.parse(source)) == {
        "typing",
        "poetry.installation.executor",
        "poetry.core.packages",
    }
