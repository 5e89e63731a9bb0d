"""``monitor plugins new``: write a pip-installable plugin package from the templates.

The templates are plain files in ``monitor/templates/plugin/`` with
``string.Template`` placeholders (``$name``, ``$module``, ...), so what a new
plugin starts from can be read, diffed and tested like any other file, and no
cookiecutter is needed. A file name holding ``__module__`` is renamed to the
plugin's module name; the ``.tmpl`` suffix, which keeps ruff and pytest away
from the templates themselves, is dropped.
"""

from __future__ import annotations

import importlib.metadata
import re
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from string import Template

from .. import __version__
from ..errors import MonitorError
from ..plugins import ENTRY_POINT_GROUP

__all__ = ["PluginNames", "Scaffold", "ScaffoldError", "new_plugin", "plugin_names", "render"]

NAME = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
TEMPLATE_SUFFIX = ".tmpl"
MODULE_MARK = "__module__"


class ScaffoldError(MonitorError):
    """The plugin cannot be written: a bad name or a folder that exists. One line."""


@dataclass(frozen=True)
class PluginNames:
    """Every spelling of one plugin's name.

    ``name`` is what users see and type: the entry point's name, the
    ``[plugins.<name>]`` config table, the name in ``monitor plugins`` and in
    ``Claim.extractor``. The distribution is ``monitor-<name>`` and the module
    ``monitor_<name>`` (hyphens become underscores), as with llm and datasette
    plugins; the topic of its facts is the name with underscores.
    """

    name: str
    distribution: str
    module: str
    topic: str
    class_name: str

    def substitutions(self) -> dict[str, str]:
        return {
            "name": self.name,
            "distribution": self.distribution,
            "module": self.module,
            "topic": self.topic,
            "class_name": self.class_name,
            "monitor_version": __version__,
        }


def plugin_names(name: str) -> PluginNames:
    """Check ``name`` and derive the other spellings; a leading ``monitor-`` is dropped."""
    name = name.strip()
    if name.startswith("monitor-"):
        name = name.removeprefix("monitor-")
    if not NAME.fullmatch(name):
        raise ScaffoldError(
            f"bad plugin name {name!r}: use lowercase letters, digits and single hyphens, starting with a letter "
            "(e.g. 'troop-counts')"
        )
    underscored = name.replace("-", "_")
    return PluginNames(
        name=name,
        distribution=f"monitor-{name}",
        module=f"monitor_{underscored}",
        topic=underscored,
        class_name="".join(part.capitalize() for part in name.split("-")) + "Extractor",
    )


def _template_root() -> Traversable:
    return resources.files("monitor").joinpath("templates", "plugin")


def _walk(folder: Traversable, prefix: str = "") -> list[tuple[str, Traversable]]:
    found: list[tuple[str, Traversable]] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.startswith(".") or entry.name == "__pycache__":
            continue
        if entry.is_dir():
            found.extend(_walk(entry, f"{prefix}{entry.name}/"))
        elif entry.name.endswith(TEMPLATE_SUFFIX):
            found.append((prefix + entry.name, entry))
    return found


def render(names: PluginNames) -> dict[str, str]:
    """Every file of the new package: path relative to its folder -> text."""
    values = names.substitutions()
    files: dict[str, str] = {}
    for relative, entry in _walk(_template_root()):
        target = relative.removesuffix(TEMPLATE_SUFFIX).replace(MODULE_MARK, names.module)
        try:
            files[target] = Template(entry.read_text("utf-8")).substitute(values)
        except (KeyError, ValueError) as exc:  # a template bug, not the user's
            raise RuntimeError(f"template {relative}: bad placeholder {exc}") from exc
    if not files:
        raise RuntimeError("no plugin templates found: the news-monitor installation is incomplete")
    return files


@dataclass
class Scaffold:
    """What ``new_plugin`` wrote, and what to do next."""

    names: PluginNames
    folder: Path
    files: list[Path] = field(default_factory=list)

    def next_steps(self) -> list[str]:
        return [
            f"cd {self.folder}",
            "pip install -e .     # into the environment news-monitor runs in",
            f"monitor plugins      # should list {self.names.name}",
            "python -m pytest     # the plugin's own tests",
            f"then edit {self.names.module}.py (its docstring says where to start)",
        ]


def _installed_plugin(name: str) -> str | None:
    """The distribution that already provides a plugin called ``name``, if any.

    The plugin host loads the first entry point of a name and skips later
    ones, so a second plugin of the same name would never load.
    """
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == name:
            return ep.dist.name if ep.dist else "an installed distribution"
    return None


def new_plugin(name: str, parent: Path = Path(".")) -> Scaffold:
    """Write ``<parent>/monitor-<name>/``; refuse a bad name or a folder that exists."""
    names = plugin_names(name)
    owner = _installed_plugin(names.name)
    if owner:
        raise ScaffoldError(
            f"a plugin named {names.name!r} is already installed (from {owner}); pick another name"
        )
    files = render(names)
    folder = Path(parent) / names.distribution
    if folder.exists():
        raise ScaffoldError(f"{folder} already exists; not overwriting it")
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        folder.mkdir()
    except FileExistsError:
        raise ScaffoldError(f"{folder} already exists; not overwriting it") from None
    except OSError as exc:
        raise ScaffoldError(f"cannot create {folder}: {exc.strerror or exc}") from None
    result = Scaffold(names, folder)
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
        result.files.append(path)
    return result
