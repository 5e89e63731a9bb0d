"""The plugin API: every hook the core calls, with its contract.

Hooks are few and mostly registries: a plugin hands the core named objects,
and the core calls each object in its own guarded call. (pluggy stops at the
first implementation that raises; the core must not.) An implementation may
accept fewer arguments than the spec lists.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import click

    from .api import Extractor, Notifier, PluginSettings, Story
    from .model import Article

__all__ = ["hookimpl", "hookspec"]

PROJECT = "monitor"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# -- extract: articles to claims ----------------------------------------------


@hookspec
def register_extractors(register: Callable[[Extractor], None], settings: PluginSettings) -> None:
    """Register the extractors this plugin provides.

    **Called:** once, when the plugin host starts (every ``monitor`` command).

    :param register: call it with each ``monitor.Extractor`` instance. Every
        extractor needs a unique ``name`` and the ``facts`` it may claim.
    :param settings: the ``[plugins.<name>]`` config tables and the project
        folder; read your own options with ``settings.for_plugin(name)``.

    **Returns:** nothing.

    **If it raises:** the error is logged with the plugin's name and counted;
    whatever the plugin registered before raising is kept, other plugins
    are unaffected.

    .. versionadded:: 0.1
    """


@hookspec
def register_stories(register: Callable[[Story], None], settings: PluginSettings) -> None:
    """Register the stories this plugin follows.

    **Called:** once, when the plugin host starts, after ``register_extractors``.

    :param register: call it with each ``monitor.Story``: a unique ``name``,
        a ``title``, the ``topics`` its fact keys start with, its ``baseline``
        article files (package data) and the ``terms`` that make an article
        relevant to it.
    :param settings: the ``[plugins.<name>]`` config tables and the project folder.

    **Returns:** nothing.

    **If it raises:** the error is logged with the plugin's name and counted;
    whatever the plugin registered before raising is kept, other plugins
    are unaffected.

    .. versionadded:: 0.2
    """


@hookspec(firstresult=True)
def fetch_full_text(article: Article) -> str | None:
    """Return the full plain text of the page an article links to.

    **Called:** in the enrich stage, once per new article, before the
    extractors run. Stops at the first non-None result (firstresult).

    :param article: the new article, with the feed's summary as ``text``.

    **Returns:** the page's plain text, or None to leave the article as it is.

    **If it raises:** the error is logged with the plugin's name and counted,
    and the article goes on with the feed's summary.

    .. versionadded:: 0.1
    """


# -- deliver: alerts to people ------------------------------------------------


@hookspec
def register_notifiers(register: Callable[[type[Notifier]], None], settings: PluginSettings) -> None:
    """Register notifier classes, one per channel type.

    **Called:** once, when the plugin host starts.

    :param register: call it with each ``monitor.Notifier`` subclass; its
        ``type`` is what ``type =`` names in a ``[[channels]]`` config table.
    :param settings: the ``[plugins.<name>]`` config tables and the project folder.

    **Returns:** nothing.

    **If it raises:** the error is logged with the plugin's name and counted;
    channels of the types it did not register fail config validation.

    .. versionadded:: 0.1
    """


# -- the command line ---------------------------------------------------------


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add subcommands to the ``monitor`` command line.

    **Called:** once, when the ``monitor`` command starts.

    :param cli: the top-level click group; use ``@cli.command()``.

    **Returns:** nothing.

    **If it raises:** the error is logged with the plugin's name and counted;
    the other commands work as usual.

    .. versionadded:: 0.1
    """
