"""Finding the story files and reading them, each problem one ConfigError naming its line."""

from __future__ import annotations

import re
import tomllib
from dataclasses import replace
from pathlib import Path

from monitor import ConfigError, PluginSettings
from monitor.rules import RuleError, load_rules

from .model import Story
from .validation import Problem, Where, parse_story

__all__ = ["key_lines", "load_story", "shown_path", "story_files"]

PLUGIN = "stories"
STORY_DIR = Path("config/stories")
OPTIONS = {"paths": "story files or folders of *.toml, relative to the project folder"}

_HEADER = re.compile(r"^\s*\[(\[)?\s*([^\[\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY_LINE = re.compile(r"""^\s*((?:[\w-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[\w-]+|"[^"]*"|'[^']*'))*)\s*=""")


def _split_key(raw: str) -> list[str]:
    return [p.strip().strip("\"'") for p in re.findall(r"""(?:"[^"]*"|'[^']*'|[^.])+""", raw)]


def key_lines(text: str) -> dict[Where, int]:
    """Where each table and key of a TOML text starts: key path -> line number.

    A small scan, enough to point an error at a line: ``[[facts]]`` tables get
    their index, ``[facts.values]`` belongs to the last ``[[facts]]``.
    """
    lines: dict[Where, int] = {}
    arrays: dict[tuple[str, ...], int] = {}
    current: Where = ()

    def resolve(names: list[str]) -> Where:
        out: list[str | int] = []
        for i, name in enumerate(names):
            out.append(name)
            if tuple(names[: i + 1]) in arrays:
                out.append(arrays[tuple(names[: i + 1])] - 1)
        return tuple(out)

    for number, line in enumerate(text.splitlines(), 1):
        if header := _HEADER.match(line):
            names = _split_key(header.group(2))
            if header.group(1):
                arrays[tuple(names)] = arrays.get(tuple(names), 0) + 1
            current = resolve(names)
            lines.setdefault(current, number)
        elif key := _KEY_LINE.match(line):
            lines.setdefault((*current, *_split_key(key.group(1))), number)
    return lines


def _line_of(text: str, where: Where) -> int | None:
    lines = key_lines(text)
    for end in range(len(where), 0, -1):
        if where[:end] in lines:
            return lines[where[:end]]
    return None


def _at(shown: str, line: int | str | None) -> str:
    """The file as named in a message, with its line when known: ``stories/a.toml:3``."""
    return f"{shown}:{line}" if line else shown


def shown_path(path: Path, root: Path) -> str:
    """A path as messages show it: relative to the project folder when inside it."""
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def load_story(path: Path, shown: str | None = None) -> Story:
    """Read and validate one story file; ``ConfigError`` names the file, line, key and problem."""
    shown = shown or str(path)
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", path=shown) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"at line (\d+)", str(exc))
        raise ConfigError(f"not valid TOML: {exc}", path=_at(shown, line and line.group(1))) from None
    if "frames" in data:  # written in the rule engine's own format (docs/rules.md)
        return _rules_story(path, shown, data)
    try:
        story = parse_story(data, shown)
        return replace(story, title=_title(data, story.name), baseline=_baseline(data, path))
    except Problem as problem:
        path_at = _at(shown, _line_of(text, problem.where))
        raise ConfigError(problem.message, path=path_at, key=problem.key or None) from None


def _title(data: dict[str, object], name: str) -> str:
    title = data.get("title", "")
    if not isinstance(title, str):
        raise Problem(("title",), "must be a string")
    return title or name


def _baseline(data: dict[str, object], path: Path) -> tuple[Path, ...]:
    """The story's baseline article(s): paths relative to the story file, each must exist."""
    listed = data.get("baseline", [])
    if isinstance(listed, str):
        listed = [listed]
    if not isinstance(listed, list) or not all(isinstance(p, str) and p.strip() for p in listed):
        raise Problem(("baseline",), "must be a path or a list of paths (relative to the story file)")
    found = tuple(path.parent / p for p in listed)
    for article in found:
        if not article.is_file():
            raise Problem(("baseline",), f"{article}: no such file")
    return found


def _rules_story(path: Path, shown: str, data: dict[str, object]) -> Story:
    """A story file in the rules format, loaded as it is; its extractor is named by ``extractor`` (or its topic)."""
    try:
        rules = load_rules(path)
    except RuleError as exc:
        message = str(exc)
        for prefix in (f"{path}: ", f"{path} "):
            message = message.removeprefix(prefix)
        raise ConfigError(message, path=_at(shown, _rules_line(path, message))) from None
    rules.source = shown
    return Story(rules.extractor, rules.topic, shown, rules, str(data.get("description", "")))


def _rules_line(path: Path, message: str) -> int | None:
    """The line of the table a rule engine's message names: ``[facts.x]``, ``[[frames]] 'its name'``."""
    named = re.match(r"(\[+)([^\]]+)\]+(?: '([^']*)')?", message)
    if not named:
        return None
    text = path.read_text("utf-8")
    if named.group(3) is not None:  # one of an array of tables, by its name
        quoted = re.compile(rf"""^\s*name\s*=\s*["']{re.escape(named.group(3))}["']""")
        for number, line in enumerate(text.splitlines(), 1):
            if quoted.match(line):
                return number
    return _line_of(text, tuple(_split_key(named.group(2))))


def story_files(settings: PluginSettings) -> tuple[list[Path], list[ConfigError]]:
    """The story files to load, in order, and the listed paths that do not exist."""
    options = settings.for_plugin(PLUGIN)
    for key in options:
        if key not in OPTIONS:
            raise ConfigError(
                f"unknown key '{key}'; known: {', '.join(OPTIONS)}", key=f"plugins.{PLUGIN}.{key}"
            )
    listed = options.get("paths", [])
    if not isinstance(listed, list) or not all(isinstance(p, str) and p.strip() for p in listed):
        raise ConfigError("must be a list of paths", key=f"plugins.{PLUGIN}.paths")
    found: list[Path] = []
    missing: list[ConfigError] = []
    default = settings.path(STORY_DIR)
    for place, explicit in [(default, False), *((settings.path(p), True) for p in listed)]:
        if place.is_dir():
            found += sorted(p for p in place.glob("*.toml") if not p.name.startswith((".", "_")))
        elif place.is_file():
            found.append(place)
        elif explicit:
            missing.append(
                ConfigError(
                    f"{shown_path(place, settings.root)}: no such file or folder",
                    key=f"plugins.{PLUGIN}.paths",
                )
            )
    unique = list({p.resolve(): p for p in found}.values())
    return unique, missing
