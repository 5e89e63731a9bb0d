"""What every config table's check needs: durations, known keys, env names, URLs, errors that name the line.

``monitor.config`` builds the ``Config`` on these; a table added there uses
the same checks, so every error is one line naming file, line and key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .errors import ConfigError

__all__ = ["SECRET_WORDS", "TomlChecks", "parse_interval"]

_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SECRET_WORDS = ("password", "secret", "token", "api_key")


def parse_interval(value: Any) -> float:
    """``"30s"``, ``"15m"``, ``"1h"``, ``"1d"`` or a number of seconds, as seconds."""
    if isinstance(value, bool):
        raise ValueError("expected a duration like '15m', '1h' or seconds")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (match := _INTERVAL.match(value)):
        seconds = float(match.group(1)) * _UNITS[match.group(2)]
    else:
        raise ValueError(f"{value!r} is not a duration like '30s', '15m', '1h' or a number of seconds")
    if not seconds > 0:
        raise ValueError(f"{value!r} must be more than zero")
    return seconds


class TomlChecks:
    def __init__(self, source: str, text: str, root: Path, environ: Mapping[str, str]):
        self.source, self.root, self.environ = source, root, environ
        self.lines = text.splitlines()

    # Where a key stands in the file, so errors can point at a line. A small
    # scan is enough: we only need the line of `key =` inside the n-th table.
    def line_of(self, table: str | None, key: str | None, index: int = 0) -> int | None:
        current, seen = None, -1
        for number, line in enumerate(self.lines, 1):
            stripped = line.strip()
            header = re.match(r"^\[\[?\s*([^\]]+?)\s*\]\]?", stripped)
            if header:
                current = header.group(1)
                if current == table:
                    seen += 1
                    if key is None and seen == index:
                        return number
                continue
            in_table = current == table and (table is None or seen == index)
            if key and in_table and re.match(rf"^\"?{re.escape(key)}\"?\s*=", stripped):
                return number
        return None

    def error(self, message: str, table: str | None, key: str | None = None, index: int = 0) -> ConfigError:
        line = self.line_of(table, key, index)
        where = table if table else ""
        if table and index:
            where = f"{table}[{index}]"
        if key:
            where = f"{where}.{key}" if where else key
        path = f"{self.source}:{line}" if line else self.source
        return ConfigError(message, path=path, key=where or None)

    def check_keys(
        self, table: Mapping[str, Any], allowed: set[str], name: str | None, index: int = 0
    ) -> None:
        for key in table:
            if key not in allowed:
                hint = ""
                if any(word in key for word in SECRET_WORDS) and not key.endswith("_env"):
                    hint = f"; secrets come from the environment: use '{key}_env = \"VARIABLE\"'"
                raise self.error(f"unknown key '{key}'{hint}", name, key, index)

    def env_names(self, table: Mapping[str, Any], name: str, index: int = 0) -> None:
        for key, value in table.items():
            if key.endswith("_env") and not (isinstance(value, str) and _ENV_NAME.match(value)):
                raise self.error(
                    "must name an environment variable, e.g. MONITOR_SMTP_PASSWORD", name, key, index
                )

    def url(self, value: Any, table: str, key: str, index: int = 0) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.error("must be a URL string", table, key, index)
        try:
            parts = urlsplit(value.strip())
            parts.port  # noqa: B018 - raises on a bad port
        except ValueError as exc:
            raise self.error(f"bad URL {value!r}: {exc}", table, key, index) from None
        if parts.scheme.lower() not in ("http", "https"):
            raise self.error(f"scheme not allowed in {value!r}: only http and https", table, key, index)
        if not parts.hostname:
            raise self.error(f"bad URL {value!r}: no host", table, key, index)
        return value.strip()

    def table(self, data: Mapping[str, Any], name: str) -> dict[str, Any]:
        value = data.get(name, {})
        if not isinstance(value, dict):
            raise self.error("must be a table", None, name)
        return value

    def string_list(self, value: Any, table: str, key: str) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error("must be a list of strings", table, key)
        return value
