"""Stories without code: follow a simple story thread from a TOML file.

Every ``*.toml`` file in ``config/stories/`` of the project is one story, and
so is every file (or ``*.toml`` in every folder) listed in
``config/monitor.toml``::

    [plugins.stories]
    paths = ["docs/examples/stories/eu-us-trade.toml", "more-stories/"]

Each story becomes one extractor, named after the story. A story file::

    name = "eu_us_trade"          # the extractor's name, unique
    topic = "eu_us_trade"         # first part of every key: topic.subject.attribute
    requires = ["tariff*", "trade (deal|agreement)"]   # the article must say one of these
    excludes = ["China", "Canada"]                     # a sentence saying one of these is skipped
    confidence = 0.8              # optional default for every pattern

    [entities.parties]            # who can be a subject: code = [names and aliases]
    EU = ["European Union", "EU", "Brussels", "the Commission"]
    US = ["United States", "U.S.", "Washington", "Trump"]
    # countries = true            # also recognise every country (ISO codes, monitor.text)

    [[facts]]
    attribute = "us_tariff"
    kind = "state"                # "state" (one current value) or "event" (append-only)
    type = "int"                  # "int", "str", "enum" or "list"
    label = "EU-US trade: US tariff on EU goods (%)"
    subject = "deal"              # fixed, or "entity:<list>", or "country"
    patterns = ["tariffs? of {number} ?% on ... EU goods"]
    min = 0                       # ints outside min..max are ignored
    max = 200

    [[facts]]
    attribute = "deal_stance"
    kind = "state"
    type = "enum"
    label = "EU-US trade deal: stance of each side"
    subject = "entity:parties"
    [facts.values]                # weakest to strongest, each with its phrases
    rejects = ["{subject} (will|would) not sign"]
    negotiating = ["{subject} ... (negotiating|in talks)"]
    signed = ["{subject} ... (signs|signed) ... (deal|agreement)"]

**Patterns** (``patterns``, enum phrases, ``requires``, ``excludes``) are
words, matched on whole words, with a little syntax: ``(a|b)`` alternatives,
``?`` makes the letter or group before it optional (``tariffs?``, ``(has )?``,
`` ?%`` an optional space), ``word*`` any ending (``negotiat*``), ``...`` a few
words in between. A word is read as the rule engine reads it: any form of it
("sign" also matches "signed"), a government's name as that government.
Placeholders: ``{subject}`` an entity of the fact's list (the claim's subject);
``{number}`` a number ("15", "15,000", "twenty-six") for ``int`` facts;
``{value}`` up to six words (to the next punctuation) or ``{name}`` capitalised
words, for ``str`` facts; ``{items}`` the stretch holding a ``list`` fact's
items. Each at most once per pattern. A pattern is a string or
``{pattern = "...", confidence = 0.9}``.

**How it runs**: a story file is compiled into the rules of the rule engine
(``monitor.rules``, ``docs/rules.md``): each pattern a frame, the entities its
actors, ``requires`` its relevance, ``excludes`` a sentence context; the
engine's English contexts drop what is negated ("has *not* signed"),
conditional ("if Brussels agrees"), hedged ("could", "analysts expect") or
commentary. A phrase's own words may be negative ("(will|would) not sign").
Each article is analysed once for every story. One claim per key and article:
the most confident, the first on a tie (the strongest enum value in one
sentence). A file with ``[[frames]]`` is read as a rule file as it is.

A bad story file is reported in one line - the file, its line, the key and
the problem - and the other stories still load. See ``docs/stories.md``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from monitor import ConfigError, Extractor, PluginSettings, hookimpl
from monitor import Story as StoryInfo

from .extractor import StoryExtractor
from .loading import load_story, shown_path, story_files
from .model import Story
from .translate import translate_pattern
from .validation import parse_story

__all__ = [
    "Story",
    "StoryExtractor",
    "load_story",
    "parse_story",
    "register_extractors",
    "register_stories",
    "story_files",
    "translate_pattern",
]

log = logging.getLogger(__name__)

# The stories register_extractors loaded, for register_stories (called just after it, same host).
_loaded: dict[str, Story] = {}


def _summary(problems: list[ConfigError]) -> ConfigError:
    """One bad file: its own line. Several: each logged on its own line, then one summary."""
    if len(problems) == 1:
        return problems[0]
    for problem in problems:
        log.error("story not loaded: %s", problem)
    files = ", ".join(dict.fromkeys((p.path or p.key or "?").split(":")[0] for p in problems))
    return ConfigError(
        f"{len(problems)} story problems, those stories not loaded (each logged above): {files}"
    )


@hookimpl(trylast=True)  # after the plugins written in Python: a story never takes an extractor's name
def register_extractors(register: Callable[[Extractor], None], settings: PluginSettings) -> None:
    """Register one extractor per story file; bad files are reported after the good ones are in."""
    files, problems = story_files(settings)
    _loaded.clear()
    sources: dict[str, str] = {}
    for path in files:
        shown = shown_path(path, settings.root)
        try:
            story = load_story(path, shown)
            if story.name in sources:
                raise ConfigError(
                    f"story name {story.name!r} is already used by {sources[story.name]}",
                    path=shown,
                    key="name",
                )
            try:
                register(StoryExtractor(story))
            except (TypeError, ValueError) as exc:
                raise ConfigError(str(exc), path=shown, key="name") from None
        except ConfigError as problem:
            problems.append(problem)
            continue
        sources[story.name] = shown
        _loaded[story.name] = story
        log.debug("story %r loaded from %s: %d facts", story.name, shown, len(story.facts))
    if problems:
        raise _summary(problems)


@hookimpl
def register_stories(register: Callable[[StoryInfo], None]) -> None:
    """Each story file loaded is a story: its topic, its baseline article(s), its ``requires`` terms."""
    for story in _loaded.values():
        register(
            StoryInfo(
                name=story.name,
                title=story.title or story.description or story.name,
                topics=(story.topic,),
                baseline=story.baseline,
                relevance=story.rules.relevant if story.rules.terms is not None else None,
            )
        )
