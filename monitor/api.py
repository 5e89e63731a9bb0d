"""Base classes for what plugins register: extractors and notifiers."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from .model import Alert, Article, Claim, FactSpec

__all__ = ["Extractor", "Notifier", "PluginSettings", "Story"]


class Extractor:
    """Reads one article and returns claims about the facts it declares.

    Subclasses set ``name`` (used in ``Claim.extractor`` and in logs) and
    ``facts`` (the vocabulary its claims may use), and implement
    ``extract_claims``. The core validates every claim at the boundary: a
    key outside ``facts``, a value of the wrong type or evidence that is not
    in the article drops that claim and is reported with the plugin's name.
    """

    name: str = ""
    facts: Sequence[FactSpec] = ()

    def extract_claims(self, article: Article) -> list[Claim]:
        raise NotImplementedError


class Notifier:
    """Sends alerts through one channel type ("email", "webhook", ...).

    ``type`` is the value of ``type =`` in a ``[[channels]]`` table;
    ``options`` maps each accepted config key to its help text, so unknown
    keys are refused at start. One instance is made per configured channel
    with ``from_config``, which raises ``ConfigError`` for bad values.
    ``notify`` returns when the channel accepted the alert and raises
    ``DeliveryError`` otherwise.
    """

    type: ClassVar[str] = ""
    options: ClassVar[Mapping[str, str]] = {}

    def __init__(self, name: str, config: Mapping[str, Any]):
        self.name = name
        self.config = dict(config)

    @classmethod
    def from_config(cls, name: str, config: Mapping[str, Any]) -> Notifier:
        return cls(name, config)

    def notify(self, alert: Alert) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class PluginSettings:
    """What the config says to plugins: the ``[plugins.<name>]`` tables.

    ``root`` is the project folder; relative paths in options are relative
    to it (use ``path()``).
    """

    root: Path = field(default_factory=Path.cwd)
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def for_plugin(self, name: str) -> Mapping[str, Any]:
        return self.options.get(name, {})

    def path(self, value: str | Path) -> Path:
        return self.root / value


@dataclass(frozen=True)
class Story:
    """A story a plugin follows: registered with the ``register_stories`` hook.

    ``name`` is unique (``monitor baseline build --story NAME``); ``topics``
    are the first parts of the keys the story owns (``topic.subject.attribute``),
    so its facts are the registered extractors' facts under those topics.
    ``baseline`` lists the article files (plain text, title on the first line)
    the story's baseline is built from, shipped as package data; with none, the
    story starts with a learning window instead. ``terms`` (words, any case)
    or ``relevance`` (a test on an article's title and text) say which articles
    concern the story.
    """

    name: str
    title: str
    topics: tuple[str, ...]
    baseline: tuple[Path, ...] = ()
    terms: tuple[str, ...] = ()
    relevance: Callable[[str], bool] | None = field(default=None, compare=False, repr=False)

    def owns(self, key: str) -> bool:
        """Whether a fact key (``topic.subject.attribute``) belongs to this story."""
        return key.split(".", 1)[0] in self.topics

    def relevant(self, text: str) -> bool:
        """Whether an article's title and text concern this story."""
        if self.relevance is not None:
            return bool(self.relevance(text))
        if not self.terms:
            return True
        lowered = text.casefold()
        return any(term.casefold() in lowered for term in self.terms)
