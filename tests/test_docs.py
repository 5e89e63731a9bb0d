"""The plugin docs and the code they describe cannot drift apart.

- every hook in ``monitor.hookspecs`` has a section in docs/plugins/hooks.md
  headed by its exact signature, repeating the first line of its docstring
  and naming each parameter; no section describes a hook that is gone;
- every hook has a ``test_hook_<name>`` test under tests/;
- every public name of ``monitor`` has a section in docs/plugins/types.md that
  names all its fields, methods and constructor arguments, and lists nothing
  the code does not have; every name of ``monitor.testing`` is in
  docs/plugins/testing-plugins.md;
- the Python blocks in docs/plugins/*.md compile; those without ``...`` whose
  first line is not ``# not run: ...`` also run: hook examples are loaded by a
  real PluginHost, and the examples of testing-plugins.md run under pytest
  against the example plugins of the other pages;
- relative links (and their #anchors) point at something that exists.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import re
import subprocess
import sys
import textwrap
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import monitor
import monitor.testing
from monitor import hookspecs
from monitor.plugins import PluginHost

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "plugins"
PAGES = sorted(DOCS.glob("*.md"))
FENCE = re.compile(
    r"^(?P<indent>[ ]*)```(?P<lang>[\w-]*)[ ]*\n(?P<body>.*?)^(?P=indent)```[ ]*$", re.M | re.S
)
LINK = re.compile(r"\[[^\]]*\]\((?P<target>[^)\s]+)\)")


def hooks() -> dict[str, Callable[..., Any]]:
    return {name: fn for name, fn in vars(hookspecs).items() if hasattr(fn, f"{hookspecs.PROJECT}_spec")}


def blank_code(text: str) -> str:
    """``text`` with its code blocks blanked out, keeping every offset (code holds no headings)."""
    return FENCE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def sections(path: Path) -> dict[str, str]:
    """Each ``## `` heading (without the #s) -> its text, up to the next one."""
    raw = path.read_text()
    headings = list(re.finditer(r"^## (.+)$", blank_code(raw), re.M))
    out: dict[str, str] = {}
    for index, match in enumerate(headings):
        end = headings[index + 1].start() if index + 1 < len(headings) else len(raw)
        title = match.group(1).strip()
        assert title not in out, f"{path.name}: heading {title!r} is repeated"
        out[title] = raw[match.end() : end]
    return out


def python_blocks(path: Path) -> list[tuple[int, str]]:
    text = path.read_text()
    return [
        (text.count("\n", 0, m.start()) + 1, textwrap.dedent(m.group("body")))
        for m in FENCE.finditer(text)
        if m.group("lang") == "python"
    ]


def runnable(code: str) -> bool:
    return "..." not in code and not code.lstrip().startswith("# not run")


def plain(text: str) -> str:
    """Docstring reST to the docs' Markdown: ``x`` -> `x`, one line."""
    return " ".join(text.replace("``", "`").split())


# -- hooks --------------------------------------------------------------------------


def test_every_hook_is_documented_with_its_signature_and_summary() -> None:
    documented = sections(DOCS / "hooks.md")
    for name, spec in hooks().items():
        params = list(inspect.signature(spec).parameters)
        heading = f"{name}({', '.join(params)})"
        assert heading in documented, f"hooks.md has no section '## {heading}'"
        body = plain(documented[heading])
        first_line = plain((spec.__doc__ or "").strip().splitlines()[0])
        assert first_line and first_line in body, f"hooks.md '{heading}' does not repeat {first_line!r}"
        for param in params:
            assert f"`{param}`" in body, f"hooks.md '{heading}' does not describe `{param}`"
        for part in ("**Called:**", "**Returns:**", "**If it raises:**", "**Implemented by:**", "```python"):
            assert part in documented[heading], f"hooks.md '{heading}' has no {part}"


def test_hooks_md_describes_no_hook_that_is_gone() -> None:
    for heading in sections(DOCS / "hooks.md"):
        name = heading.split("(")[0]
        assert name in hooks(), f"hooks.md documents {heading}, which monitor.hookspecs does not have"


def test_every_hook_has_a_test() -> None:
    sources = "\n".join(p.read_text() for p in (ROOT / "tests").rglob("*.py"))
    for name in hooks():
        assert re.search(rf"^def test_hook_{name}\(", sources, re.M), f"no test_hook_{name} under tests/"


# -- types --------------------------------------------------------------------------


def members(obj: Any) -> set[str]:
    """Public fields, attributes, methods and constructor arguments defined by monitor itself."""
    if not isinstance(obj, type):
        return set()
    names: set[str] = set()
    if dataclasses.is_dataclass(obj):
        names |= {f.name for f in dataclasses.fields(obj)}
    for klass in obj.__mro__:
        if klass.__module__.startswith("monitor"):
            names |= {n for n in vars(klass) if not n.startswith("_")}
            if "__init__" in vars(klass) and not dataclasses.is_dataclass(klass):
                names |= {p for p in list(inspect.signature(klass.__init__).parameters)[1:]}
    return names


def test_every_public_name_is_in_types_md() -> None:
    documented = sections(DOCS / "types.md")
    for name in monitor.__all__:
        assert f"`{name}`" in documented, f"types.md has no section '## `{name}`'"


@pytest.mark.parametrize("name", [n for n in monitor.__all__ if isinstance(getattr(monitor, n), type)])
def test_types_md_lists_what_each_type_has(name: str) -> None:
    body = sections(DOCS / "types.md")[f"`{name}`"]
    expected = members(getattr(monitor, name))
    for member in expected:
        assert re.search(rf"`{member}[`(]", body), f"types.md `{name}` does not mention `{member}`"
    listed = set(re.findall(r"^\| `(\w+)` \|", body, re.M))
    assert listed <= expected, (
        f"types.md `{name}` lists {sorted(listed - expected)}, which the code does not have"
    )


def test_every_name_of_the_test_kit_is_documented() -> None:
    text = (DOCS / "testing-plugins.md").read_text()
    for name in monitor.testing.__all__:
        assert f"`{name}" in text, f"testing-plugins.md does not mention monitor.testing.{name}"


# -- code blocks --------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_python_blocks_compile(page: Path) -> None:
    for line, code in python_blocks(page):
        if "..." not in code:
            compile(code, f"{page.name}:{line}", "exec")


@pytest.mark.parametrize("page", [p for p in PAGES if p.name != "testing-plugins.md"], ids=lambda p: p.name)
def test_examples_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each page's runnable blocks run in order in one namespace, like a reader
    typing them in; a block with hook implementations is a whole plugin module,
    and a real PluginHost must load it without a failure."""
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"__name__": f"docs_{page.stem.replace('-', '_')}"}
    for line, code in python_blocks(page):
        if not runnable(code):
            continue
        exec(compile(code, f"{page.name}:{line}", "exec"), namespace)
        if "@hookimpl" in code:
            module = types.ModuleType(f"docs_example_{line}")
            exec(compile(code, f"{page.name}:{line}", "exec"), module.__dict__)
            host = PluginHost(entry_points=False).load()
            info = host.register(module, f"{page.stem}-{line}")
            assert info.status == "loaded" and info.hooks, f"{page.name}:{line}: {info.error}"
            assert not host.failures, f"{page.name}:{line}: {dict(host.failures)}"


def _block_with(page: str, marker: str) -> str:
    [code] = [code for _, code in python_blocks(DOCS / page) if marker in code]
    return code


@pytest.mark.slow
def test_testing_examples_pass_under_pytest(tmp_path: Path) -> None:
    """testing-plugins.md tests the plugins of writing-plugins.md and hooks.md:
    write those as the modules it imports, its examples as a test file, and run pytest."""
    (tmp_path / "monitor_sanctions.py").write_text(
        _block_with("writing-plugins.md", "class SanctionsPackages")
    )
    (tmp_path / "monitor_chat.py").write_text(_block_with("hooks.md", "class ChatNotifier"))
    blocks = [code for _, code in python_blocks(DOCS / "testing-plugins.md") if runnable(code)]
    assert sum("def test_" in code for code in blocks) >= 5
    (tmp_path / "test_doc_examples.py").write_text("\n\n".join(blocks))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "MONITOR_"))}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_doc_examples.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and "skipped" not in done.stdout


# -- links --------------------------------------------------------------------------


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_relative_links_resolve(page: Path) -> None:
    text = blank_code(page.read_text())
    for match in LINK.finditer(text):
        target = match.group("target")
        if re.match(r"[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        path = (page.parent / file).resolve() if file else page
        assert path.exists(), f"{page.name}: link to {target}: no such file"
        if anchor:
            headings = re.findall(r"^#+ (.+)$", blank_code(path.read_text()), re.M)
            assert anchor in {slug(h) for h in headings}, f"{page.name}: link to {target}: no such heading"
