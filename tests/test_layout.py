"""The layout's rules, checked on the source: module size, no hidden imports, the boundaries.

- No module over 400 lines.
- No import inside a function or class, unless it is of a real optional
  dependency (the module may be missing where the rest works).
- The core (``monitor/``) never imports the bundled plugins.
- Plugins use only the public surface: never ``sqlalchemy`` or ``monitor.store``.
- Nothing outside ``monitor/store/`` imports SQLAlchemy or Alembic.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "monitor"
PLUGINS = ROOT / "plugins"
STORE = CORE / "store"

MAX_LINES = 400
OVERSIZED = {
    # Being split by the rule-engine work (lexicons and rules become data under
    # plugins/ and monitor/rules/); public API for plugin authors meanwhile.
    "monitor/text.py",
}
# Imported where they are used, because an installation may lack them.
OPTIONAL_DEPENDENCIES = {
    "aiosmtpd",
    "apprise",
}  # aiosmtpd: the test extras only (smtp_server); apprise: an extra
DATABASE_LIBRARIES = {"sqlalchemy", "alembic"}
PUBLIC_SURFACE = {
    "monitor",
    "monitor.text",
    "monitor.testing",
    "monitor.alert_text",
    "monitor.redact",
    "monitor.rules",  # the rule engine story plugins are written on (the rule-engine work)
}


def sources(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if ".venv" not in p.parts)


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def package_of(path: Path) -> str:
    """The dotted package a file's relative imports start from (plugins/ is monitor_plugins)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[0] == "plugins":
        parts[0] = "monitor_plugins"
    return ".".join(parts[:-1])


@functools.cache
def imports(path: Path) -> list[tuple[ast.stmt, str, bool]]:
    """Each import in ``path``: the node, the absolute module, and whether it is inside a def or class."""
    return list(_imports(path))


def _imports(path: Path) -> Iterator[tuple[ast.stmt, str, bool]]:
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))

    def walk(node: ast.AST, nested: bool) -> Iterator[tuple[ast.stmt, str, bool]]:
        for child in ast.iter_child_nodes(node):
            inner = nested or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield child, alias.name, nested
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package_of(path).split(".")
                    base = base[: len(base) - child.level + 1]
                    module = ".".join([*base, child.module] if child.module else base)
                else:
                    module = child.module or ""
                yield child, module, nested
                for alias in child.names:  # `from monitor import store` imports a module too
                    if is_module(f"{module}.{alias.name}"):
                        yield child, f"{module}.{alias.name}", nested
            yield from walk(child, inner)

    yield from walk(tree, False)


def is_module(name: str) -> bool:
    """Whether a dotted name is a module or package of this project."""
    parts = name.split(".")
    if parts[0] not in ("monitor", "monitor_plugins"):
        return False
    folder = ROOT / ("plugins" if parts[0] == "monitor_plugins" else "monitor") / Path(*parts[1:])
    return folder.with_suffix(".py").is_file() or (folder / "__init__.py").is_file()


def within(module: str, *packages: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


@pytest.mark.parametrize("path", sources(CORE) + sources(PLUGINS), ids=relative)
def test_no_module_over_400_lines(path: Path) -> None:
    lines = len(path.read_text("utf-8").splitlines())
    if relative(path) in OVERSIZED:
        return
    assert lines <= MAX_LINES, f"{relative(path)} has {lines} lines; split it (at most {MAX_LINES})"


def test_the_exceptions_to_the_size_rule_are_still_needed() -> None:
    for name in OVERSIZED:
        assert len((ROOT / name).read_text("utf-8").splitlines()) > MAX_LINES, f"{name} fits now: drop it"


def test_no_lazy_imports_but_optional_dependencies() -> None:
    lazy = [
        f"{relative(path)}:{node.lineno}: import of {module} inside a function or class"
        for path in sources(CORE) + sources(PLUGINS)
        for node, module, nested in imports(path)
        if nested and module.split(".")[0] not in OPTIONAL_DEPENDENCIES
    ]
    assert not lazy, "move these imports to the top of their module:\n" + "\n".join(lazy)


def test_the_core_never_imports_the_bundled_plugins() -> None:
    found = [
        f"{relative(path)}:{node.lineno}: {module}"
        for path in sources(CORE)
        for node, module, _ in imports(path)
        if within(module, "monitor_plugins", "plugins")
    ]
    assert not found, "the core knows no plugin:\n" + "\n".join(found)


def test_plugins_use_only_the_public_surface() -> None:
    found = [
        f"{relative(path)}:{node.lineno}: {module}"
        for path in sources(PLUGINS)
        for node, module, _ in imports(path)
        if (within(module, "monitor") and module not in PUBLIC_SURFACE) or within(module, *DATABASE_LIBRARIES)
    ]
    assert not found, "plugins import only " + ", ".join(sorted(PUBLIC_SURFACE)) + ":\n" + "\n".join(found)


def test_only_the_store_knows_the_database_library() -> None:
    found = [
        f"{relative(path)}:{node.lineno}: {module}"
        for path in sources(CORE)
        if STORE not in path.parents
        for node, module, _ in imports(path)
        if within(module, *DATABASE_LIBRARIES)
    ]
    assert not found, "SQLAlchemy and Alembic stay in monitor/store/:\n" + "\n".join(found)


def test_the_checks_see_what_they_check() -> None:
    """Guards against a walker that finds nothing: known imports are found."""
    store_imports = {m for _, m, _ in imports(STORE / "db.py")}
    assert "sqlalchemy" in store_imports and "monitor.store.outbox" in store_imports
    testing = {m: nested for _, m, nested in imports(CORE / "testing" / "peers.py")}
    assert testing["aiosmtpd.controller"] is True
    plugin = {m for _, m, _ in imports(PLUGINS / "email.py")}
    assert {"monitor", "monitor.alert_text", "monitor.redact"} <= plugin
