"""The code's own rules, read from its source: small functions, few `Any`, nothing
that only the tests use, and a design document that names every module."""

from __future__ import annotations

import ast
import importlib
import inspect
import re

from pathlib import Path

import tomlkit

import poetry_plugin_install_locked


PACKAGE = Path(poetry_plugin_install_locked.__file__).parent
ROOT = PACKAGE.parents[1]
MODULES = sorted(PACKAGE.glob("*.py"))
TREES = {path: ast.parse(path.read_text(encoding="utf-8")) for path in MODULES}


def test_no_function_is_longer_than_fifty_lines() -> None:
    long = [
        f"{path.stem}.{node.name}: {node.end_lineno - node.lineno + 1} lines"
        for path, tree in TREES.items()
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > 50
    ]
    assert long == []


def test_any_is_used_at_most_thirty_times() -> None:
    uses = [
        f"{path.name}:{node.lineno}"
        for path, tree in TREES.items()
        for node in ast.walk(tree)
        if (isinstance(node, ast.Name) and node.id == "Any")
        or (isinstance(node, ast.Attribute) and node.attr == "Any")
    ]
    assert len(uses) <= 30, uses


def test_one_constant_names_installer_re_resolve() -> None:
    sources = [path.read_text(encoding="utf-8") for path in MODULES]
    assert sum(text.count('"installer.re-resolve"') for text in sources) == 1


def defined() -> list[tuple[str, str, str]]:
    """Each function, class, method and constant: module, owner, name."""
    found = []
    for path, tree in TREES.items():
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                found.append((path.stem, "", node.name))
            if isinstance(node, ast.Assign):
                found += [
                    (path.stem, "", target.id)
                    for target in node.targets
                    if isinstance(target, ast.Name) and target.id.isupper()
                ]
            if isinstance(node, ast.ClassDef):
                found += [
                    (path.stem, node.name, item.name)
                    for item in node.body
                    if isinstance(item, ast.FunctionDef)
                    and not re.fullmatch(r"__\w+__", item.name)
                ]
    return found


def referenced() -> set[str]:
    """Every name the source reads: as a name, an attribute, or in a string
    that is not a docstring (the commands are registered by their modules' and
    classes' names); and the plugin's entry point."""
    names = set()
    for tree in TREES.values():
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef))
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                names.add(node.id)
            elif isinstance(node, ast.Attribute):
                names.add(node.attr)
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
            ):
                names.update(re.findall(r"\w+", node.value))
    project = tomlkit.parse((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for group in project["project"]["entry-points"].values():
        for target in group.values():
            names.update(re.findall(r"\w+", target))
    return names


def overrides(module: str, owner: str, name: str) -> bool:
    """Whether a method overrides one of a base class (Poetry's, cleo's, ...),
    which the base class calls."""
    cls = getattr(importlib.import_module(f"{PACKAGE.name}.{module}"), owner)
    return any(hasattr(base, name) for base in inspect.getmro(cls)[1:])


def test_everything_in_src_is_used_by_src() -> None:
    """What only the tests call is dead code."""
    used = referenced()
    unused = [
        f"{module}.{owner + '.' if owner else ''}{name}"
        for module, owner, name in defined()
        if name not in used and not (owner and overrides(module, owner, name))
    ]
    assert unused == []


def test_the_design_document_names_every_module() -> None:
    design = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(\w+\.py)` \|", design, re.MULTILINE))
    assert documented == {path.name for path in MODULES if path.name != "__init__.py"}
