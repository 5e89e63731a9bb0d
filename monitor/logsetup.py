"""How the service logs: one line per event, as text or JSON, third-party chatter quiet.

``--log-level`` / ``MONITOR_LOG_LEVEL`` and ``--log-format`` /
``MONITOR_LOG_FORMAT`` (``text`` or ``json``) choose. Below DEBUG nothing of
alembic, APScheduler, urllib3 or requests is shown but their warnings: the
service says itself what they did ("migrating database schema from ...").
A record with a traceback stays one line: the text format writes its line
breaks as ``\\n``; the JSON format puts it in ``exc``.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO, Any

__all__ = ["FORMATS", "LEVELS", "QUIET_LOGGERS", "JsonFormatter", "OneLineFormatter", "configure_logging"]

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
FORMATS = ("text", "json")
QUIET_LOGGERS = ("alembic", "apscheduler", "urllib3", "requests", "charset_normalizer", "filelock")
_HANDLER_NAME = "monitor"


class OneLineFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace("\r", "").replace("\n", "\\n")


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message"[, "exc"], "thread"}``, one object a line."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "thread": record.threadName,
        }
        if record.exc_info:
            document["exc"] = self.formatException(record.exc_info)
        return json.dumps(document, ensure_ascii=False)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time of the record (tests swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> IO[str]:
        return sys.stderr

    @stream.setter
    def stream(self, _value: IO[str]) -> None:
        pass


def configure_logging(level: str = "INFO", fmt: str = "text", *, stream: IO[str] | None = None) -> None:
    """Install the one handler on the root logger (again: replacing the one installed before)."""
    level, fmt = level.upper(), fmt.lower()
    if level not in LEVELS:
        raise ValueError(f"log level {level!r} is not one of {', '.join(LEVELS)}")
    if fmt not in FORMATS:
        raise ValueError(f"log format {fmt!r} is not one of {', '.join(FORMATS)}")
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    handler: logging.Handler = logging.StreamHandler(stream) if stream else _StderrHandler()
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter() if fmt == "json" else OneLineFormatter())
    root.addHandler(handler)
    root.setLevel(getattr(logging, level))
    quiet = logging.DEBUG if level == "DEBUG" else logging.WARNING
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(quiet)
    if level != "DEBUG":
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
