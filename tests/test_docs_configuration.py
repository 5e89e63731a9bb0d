"""docs/configuration.md lists every key the validator accepts, and only those."""

from __future__ import annotations

import re
from pathlib import Path

from monitor.config import KNOWN_KEYS
from monitor.plugins import PluginHost

DOC = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"
SECTION = {
    "Top level": "",
    "[database]": "database",
    "[service]": "service",
    "[plugins]": "plugins",
    "[[feeds]]": "feeds",
    "[[channels]]": "channels",
    "[baseline]": "baseline",
    "[policy]": "policy",
    "[[policy.rules]]": "policy.rules",
    "[alerts]": "alerts",
    "[web]": "web",
    "[retention]": "retention",
}


def documented() -> dict[str, set[str]]:
    keys: dict[str, set[str]] = {}
    current = None
    for line in DOC.read_text().splitlines():
        if heading := re.match(r"^#{2,3} (.+)$", line):
            title = heading.group(1).strip()
            current = (
                SECTION.get(title) if title in SECTION else (title if title.startswith("type =") else None)
            )
            continue
        if current is not None and (row := re.match(r"^\| `([a-z_]+)` \|", line)):
            keys.setdefault(current, set()).add(row.group(1))
    return keys


def test_every_key_the_validator_accepts_is_documented_and_no_other() -> None:
    docs = documented()
    for table, accepted in KNOWN_KEYS.items():
        assert docs.get(table, set()) == accepted, table or "top level"


def test_every_option_of_the_bundled_notifiers_is_documented() -> None:
    docs = documented()
    host = PluginHost().load()
    for kind in ("email", "webhook", "apprise"):
        assert docs[f'type = "{kind}"'] == set(host.notifier_types[kind].options), kind
