"""The plugin host: finds plugins, loads each in isolation, collects what they register.

Plugins come from plugin folders (every ``*.py`` file and package in them)
and from the entry point group ``monitor.plugins``. The bundled plugins are
entry points of this distribution like any third-party one; the core keeps
no list of them. A plugin that fails to import or to register is reported
with its name and the host runs on without it.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import logging
import os
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import pluggy

from . import hookspecs, metrics
from .api import Extractor, Notifier, PluginSettings, Story
from .errors import DeliveryError, PluginError
from .extract.vocabulary import Vocabulary
from .model import Article

__all__ = ["ENTRY_POINT_GROUP", "LoadedPlugin", "PluginHost"]

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "monitor.plugins"
OWN_DISTRIBUTION = "news-monitor"
SLOW_CALL_SECONDS = 1.0


@dataclass
class LoadedPlugin:
    name: str
    source: Literal["entry point", "directory", "object"]
    status: Literal["loaded", "failed", "blocked"] = "loaded"
    distribution: str | None = None
    version: str | None = None
    location: str | None = None
    bundled: bool = False
    error: str | None = None
    traceback: str | None = None
    hooks: list[str] = field(default_factory=list)
    extractors: list[str] = field(default_factory=list)
    notifiers: list[str] = field(default_factory=list)
    stories: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source,
            "status": self.status,
            "distribution": self.distribution,
            "version": self.version,
            "bundled": self.bundled,
            "hooks": self.hooks,
            "extractors": self.extractors,
            "notifiers": self.notifiers,
            "stories": self.stories,
            "error": self.error,
        }


def _names_from_env(variable: str) -> set[str] | None:
    raw = os.environ.get(variable)
    if raw is None:
        return None
    return {name.strip() for name in raw.split(",") if name.strip()}


class PluginHost:
    """Everything loaded for one run: the pluggy manager plus the registries.

    Built from explicit inputs and loaded on demand, so tests can make as
    many isolated hosts as they like.
    """

    def __init__(
        self,
        plugin_dirs: Sequence[Path] = (),
        *,
        entry_points: bool = True,
        only: set[str] | None = None,
        disabled: Iterable[str] = (),
        settings: PluginSettings | None = None,
    ):
        self.settings = settings or PluginSettings()
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.plugin_dirs = [Path(p) for p in plugin_dirs]
        self.use_entry_points = entry_points
        env_only = _names_from_env("MONITOR_LOAD_PLUGINS")
        self.only = env_only if env_only is not None else only
        self.disabled = set(disabled) | (_names_from_env("MONITOR_DISABLE_PLUGINS") or set())
        self.plugins: dict[str, LoadedPlugin] = {}
        self.extractors: dict[str, Extractor] = {}
        self.notifier_types: dict[str, type[Notifier]] = {}
        self.stories: dict[str, Story] = {}
        self.failures: Counter[tuple[str, str]] = Counter()
        self._owner: dict[int, str] = {}
        self._loaded = False
        self._vocabulary: tuple[tuple[tuple[str, int], ...], Vocabulary] | None = None
        # The host calls registry hooks one implementation at a time (so one
        # raising cannot stop the others), which pluggy's own call monitoring
        # does not see; tracing is done by hand in _call_each.
        self.trace = bool(os.environ.get("MONITOR_TRACE_PLUGINS"))

    # -- loading --------------------------------------------------------------

    def load(self) -> PluginHost:
        if self._loaded:
            return self
        self._loaded = True
        for path in self.plugin_dirs:
            self._load_directory(path)
        if self.use_entry_points:
            self._load_entry_points()
        self._collect_registrations()
        return self

    def register(self, plugin: object, name: str, *, bundled: bool = False) -> LoadedPlugin:
        """Register an already imported plugin object (a module or any object with hookimpls)."""
        info = LoadedPlugin(name=name, source="object", bundled=bundled)
        self._add(plugin, info)
        if self._loaded:
            self._collect_registrations(only=[name])
        return info

    def unregister(self, name: str) -> None:
        plugin = self.pm.get_plugin(name)
        if plugin is not None:
            self.pm.unregister(plugin, name=name)
        info = self.plugins.pop(name, None)
        if info:
            for extractor in info.extractors:
                self.extractors.pop(extractor, None)
            for kind in info.notifiers:
                self.notifier_types.pop(kind, None)
            for story in info.stories:
                self.stories.pop(story, None)

    def _wanted(self, name: str, info: LoadedPlugin) -> bool:
        if name in self.disabled or (self.only is not None and name not in self.only):
            info.status = "blocked"
            self.plugins[name] = info
            return False
        return True

    def _load_entry_points(self) -> None:
        for ep in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            dist = ep.dist.name if ep.dist else None
            info = LoadedPlugin(
                name=ep.name,
                source="entry point",
                distribution=dist,
                version=ep.dist.version if ep.dist else None,
                location=ep.value,
                bundled=dist == OWN_DISTRIBUTION,
            )
            if ep.name in self.plugins or not self._wanted(ep.name, info):
                continue
            try:
                plugin = ep.load()
            except BaseException as exc:  # a plugin calling sys.exit() at import is a failed plugin
                self._failed(info, "import", exc)
                continue
            self._add(plugin, info)

    def _load_directory(self, folder: Path) -> None:
        if not folder.is_dir():
            log.warning("plugin folder %s does not exist; skipped", folder)
            return
        package = "monitor_dir_plugins_" + hashlib.sha1(str(folder.resolve()).encode()).hexdigest()[:10]
        if package not in sys.modules:
            parent = ModuleType(package)
            parent.__path__ = [str(folder)]
            sys.modules[package] = parent
        for path in sorted(folder.iterdir()):
            if path.name.startswith(("_", ".")):
                continue
            if path.is_dir() and (path / "__init__.py").is_file():
                module_name, location, search = path.name, path / "__init__.py", [str(path)]
            elif path.suffix == ".py":
                module_name, location, search = path.stem, path, None
            else:
                continue
            info = LoadedPlugin(name=module_name, source="directory", location=str(path))
            if module_name in self.plugins or not self._wanted(module_name, info):
                continue
            qualified = f"{package}.{module_name}"
            try:
                spec = importlib.util.spec_from_file_location(
                    qualified, location, submodule_search_locations=search
                )
                assert spec and spec.loader
                module = importlib.util.module_from_spec(spec)
                sys.modules[qualified] = module
                spec.loader.exec_module(module)
            except BaseException as exc:
                sys.modules.pop(qualified, None)
                self._failed(info, "import", exc)
                continue
            self._add(module, info)

    def _add(self, plugin: object, info: LoadedPlugin) -> None:
        try:
            self.pm.register(plugin, name=info.name)
            # A hookimpl whose name matches no hookspec is a typo; it counts as
            # this plugin failing to load, not as the whole host failing.
            self.pm.check_pending()
        except Exception as exc:
            if self.pm.get_plugin(info.name) is not None:
                self.pm.unregister(name=info.name)
            self._failed(info, "register", exc)
            return
        info.hooks = sorted(caller.name for caller in self.pm.get_hookcallers(plugin) or ())
        self.plugins[info.name] = info

    def _failed(self, info: LoadedPlugin, stage: str, exc: BaseException) -> None:
        info.status = "failed"
        info.error = f"{type(exc).__name__}: {exc}".strip()
        info.traceback = "".join(traceback.format_exception(exc, limit=-3))
        self.plugins[info.name] = info
        self.failures[(info.name, stage)] += 1
        metrics.plugin_failed(info.name, stage)
        log.error("plugin %r (%s) failed to load: %s", info.name, info.location or info.source, info.error)
        log.debug("plugin %r traceback:\n%s", info.name, info.traceback)

    # -- registries -----------------------------------------------------------

    def _collect_registrations(self, only: Sequence[str] | None = None) -> None:
        def register_extractor(extractor: Extractor) -> None:
            owner = self._current
            if not isinstance(extractor, Extractor) or not extractor.name:
                raise TypeError(f"register() wants a named monitor.Extractor, got {extractor!r}")
            if extractor.name in self.extractors:
                raise ValueError(f"an extractor named {extractor.name!r} is already registered")
            self.extractors[extractor.name] = extractor
            self._owner[id(extractor)] = owner
            self.plugins[owner].extractors.append(extractor.name)

        def register_notifier(notifier: type[Notifier]) -> None:
            owner = self._current
            if not (isinstance(notifier, type) and issubclass(notifier, Notifier) and notifier.type):
                raise TypeError(f"register() wants a monitor.Notifier subclass with a type, got {notifier!r}")
            if notifier.type in self.notifier_types:
                raise ValueError(f"a notifier of type {notifier.type!r} is already registered")
            self.notifier_types[notifier.type] = notifier
            self._owner[id(notifier)] = owner
            self.plugins[owner].notifiers.append(notifier.type)

        def register_story(story: Story) -> None:
            owner = self._current
            if not isinstance(story, Story) or not story.name or not story.topics:
                raise TypeError(f"register() wants a monitor.Story with a name and topics, got {story!r}")
            if story.name in self.stories:
                raise ValueError(f"a story named {story.name!r} is already registered")
            self.stories[story.name] = story
            self._owner[id(story)] = owner
            self.plugins[owner].stories.append(story.name)

        settings = self.settings
        self._call_each("register_extractors", {"register": register_extractor, "settings": settings}, only)
        self._call_each("register_notifiers", {"register": register_notifier, "settings": settings}, only)
        self._call_each("register_stories", {"register": register_story, "settings": settings}, only)

    def _call_each(self, hook_name: str, kwargs: dict[str, Any], only: Sequence[str] | None = None) -> None:
        """Call every implementation of a hook, each guarded on its own."""
        for impl in reversed(getattr(self.pm.hook, hook_name).get_hookimpls()):
            if only is not None and impl.plugin_name not in only:
                continue
            self._current = impl.plugin_name
            args = {name: kwargs[name] for name in impl.argnames}
            if self.trace:
                print(
                    f"monitor: {hook_name}({', '.join(args)}) -> plugin {impl.plugin_name!r}", file=sys.stderr
                )
            try:
                with self.guard(impl.plugin_name, hook_name, "startup"):
                    impl.function(**args)
            except PluginError as exc:
                info = self.plugins.get(impl.plugin_name)
                if info is not None:
                    info.error = f"{hook_name}: {exc.reason}"
                continue

    @property
    def vocabulary(self) -> Vocabulary:
        """Every fact the registered extractors declare; built again only when they change."""
        snapshot = tuple((name, id(extractor)) for name, extractor in self.extractors.items())
        if self._vocabulary is None or self._vocabulary[0] != snapshot:
            self._vocabulary = (snapshot, Vocabulary(self.extractors))
        return self._vocabulary[1]

    def call_commands(self, cli: Any) -> None:
        self._call_each("register_commands", {"cli": cli})

    def fetch_full_text(self, article: Article) -> str | None:
        for impl in reversed(self.pm.hook.fetch_full_text.get_hookimpls()):
            if self.trace:
                print(f"monitor: fetch_full_text(article) -> plugin {impl.plugin_name!r}", file=sys.stderr)
            try:
                with self.guard(impl.plugin_name, "fetch_full_text", article.url or article.id):
                    text = impl.function(**{n: article for n in impl.argnames})
            except PluginError:
                continue
            if isinstance(text, str) and text.strip():
                return text
            if text is not None:
                self._count_failure(impl.plugin_name, "fetch_full_text", "returned a non-string")
        return None

    def owner_of(self, thing: object) -> str:
        return self._owner.get(id(thing), "?")

    # -- guarded calls --------------------------------------------------------

    @contextmanager
    def guard(self, plugin: str, stage: str, resource: str) -> Iterator[None]:
        """Run one plugin call: time it, and turn any failure into a PluginError.

        ``SystemExit`` and ``KeyboardInterrupt`` raised *by plugin code* are
        caught too; a plugin must not be able to stop the service.
        """
        started = time.perf_counter()
        try:
            yield
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt) and threading.current_thread() is threading.main_thread():
                raise
            reason = f"{type(exc).__name__}: {exc}".strip()
            if isinstance(exc, DeliveryError):  # a channel's answer: delivery logs it, once
                self.failures[(plugin, stage)] += 1
            else:
                self._count_failure(plugin, stage, reason, resource=resource)
            log.debug("plugin %r traceback", plugin, exc_info=exc)
            raise PluginError(plugin, stage, resource, reason) from exc
        finally:
            elapsed = time.perf_counter() - started
            metrics.plugin_call(plugin, stage, elapsed)
            if elapsed >= SLOW_CALL_SECONDS:
                log.warning("plugin %r took %.1fs in %s for %s", plugin, elapsed, stage, resource)

    def _count_failure(self, plugin: str, stage: str, reason: str, *, resource: str = "") -> None:
        self.failures[(plugin, stage)] += 1
        metrics.plugin_failed(plugin, stage)
        log.error(
            "plugin %r failed in %s%s: %s", plugin, stage, f" for {resource}" if resource else "", reason
        )

    def report_failure(self, plugin: str, stage: str, resource: str, reason: str) -> None:
        """Count a failure found outside a guarded call (bad output, a timeout)."""
        self._count_failure(plugin, stage, reason, resource=resource)
