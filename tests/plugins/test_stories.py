"""Stories without code: TOML story files in, claims and alerts out."""

from __future__ import annotations

import json
import logging
import re
import shutil
import textwrap
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from monitor_plugins import stories
from monitor_plugins.stories import StoryExtractor, load_story, parse_story, translate_pattern

from monitor import Claim, ConfigError, PluginSettings
from monitor.cli import cli
from monitor.extract.vocabulary import check_claim, fact_specs
from monitor.plugins import PluginHost
from monitor.rules import Analyzer, Engine, check_examples, compile_pattern
from monitor.testing import LocalServer, Request, Response, make_article
from tests.helpers import item, rss, write_config

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs/examples/stories/eu-us-trade.toml"

# A small story exercising every value type; the tests below add to it.
BASE = """
name = "trade"
topic = "trade"
requires = ["tariff*", "trade (deal|agreement)"]
excludes = ["Gaza", "China"]

[entities.parties]
EU = ["European Union", "EU", "Brussels", "the Commission"]
US = ["United States", "US", "U.S.", "Washington", "Trump"]
"""

FACTS = """
[[facts]]
attribute = "tariff"
kind = "state"
type = "int"
label = "Trade: US tariff on EU goods (%)"
subject = "deal"
min = 0
max = 100
patterns = ["tariffs? of {number} ?(%|percent) on ... EU goods", {pattern = "{number} countries (have )?signed", confidence = 0.6}]

[[facts]]
attribute = "stance"
kind = "state"
type = "enum"
label = "Trade: stance on the deal"
subject = "entity:parties"
[facts.values]
rejects = ["{subject} (will|would) not sign", "{subject} ... rejected ... deal"]
negotiating = ["{subject} ... (negotiating|in talks)"]
agreed = ["{subject} ... (agreed|reached) ... (deal|agreement)"]
signed = ["{subject} ... (signs|signed) ... (deal|agreement)"]

[[facts]]
attribute = "negotiator"
kind = "state"
type = "str"
label = "Trade: chief negotiator"
subject = "entity:parties"
patterns = ["{subject} chief negotiator,? {name}"]

[[facts]]
attribute = "retaliation"
kind = "event"
type = "str"
label = "Trade: retaliation announced"
subject = "entity:parties"
value = "announced"
patterns = ["{subject} ... (announced|unveiled) (retaliatory|counter) ?(tariffs|measures)"]

[[facts]]
attribute = "exempt"
kind = "state"
type = "list"
label = "Trade: exempt sectors"
subject = "deal"
patterns = ["{items} (will be|are) exempt"]
[facts.items]
aircraft = ["aircraft", "planes"]
spirits = ["spirits", "wine"]
drugs = ["generic drugs"]
"""


def story(extra: str = "", base: str = BASE + FACTS) -> StoryExtractor:
    # an engine of its own: the governments other tests' stories name do not change how this one reads
    return StoryExtractor(parse_story(tomllib.loads(base + extra), "test.toml"), Engine())


def claims(extractor: StoryExtractor, text: str, title: str = "") -> dict[str, object]:
    article = make_article(text, title)
    found = extractor.extract_claims(article)
    specs = fact_specs([extractor])
    for claim in found:  # every claim passes the core's boundary check, evidence included
        assert check_claim(claim, article, specs) is None, claim
        assert claim.evidence in article.title or claim.evidence in article.text
    return {c.key: c.value for c in found}


@pytest.fixture(scope="module")
def trade() -> StoryExtractor:
    return story()


# -- the format: parsing -----------------------------------------------------------------


def test_a_story_becomes_one_extractor_with_its_vocabulary(trade: StoryExtractor) -> None:
    assert trade.name == "trade"
    specs = {s.attribute: s for s in trade.facts}
    assert [s.topic for s in trade.facts] == ["trade"] * 5
    assert specs["tariff"].type == "int" and specs["tariff"].subjects == ("deal",)
    assert (
        specs["stance"].values == ("rejects", "negotiating", "agreed", "signed") and specs["stance"].ordered
    )
    assert specs["stance"].subjects == ("EU", "US")
    assert specs["retaliation"].kind == "event"
    assert specs["exempt"].values == ("aircraft", "spirits", "drugs")


def test_the_example_story_loads_and_reads_an_article() -> None:
    example = StoryExtractor(load_story(EXAMPLE), Engine())
    assert example.name == "eu_us_trade"
    found = claims(
        example,
        "The European Union has signed the trade deal with the United States, which sets a tariff of 15% on most "
        "EU goods, von der Leyen said. Aircraft and aircraft parts, generic drugs and chemicals will be exempt. "
        "Analysts expect the deal could lift exports.",
        "EU and US sign trade deal",
    )
    assert found == {
        "eu_us_trade.EU.deal_stance": "signed",
        "eu_us_trade.US.deal_stance": "signed",
        "eu_us_trade.deal.us_tariff": 15,
        "eu_us_trade.deal.exempt_sectors": ["aircraft", "chemicals", "generic_drugs"],
    }


def test_the_module_docstring_example_is_a_valid_story() -> None:
    doc = stories.__doc__ or ""
    block = doc.split("A story file::", 1)[1].split("**Patterns**", 1)[0]
    parsed = parse_story(tomllib.loads(textwrap.dedent(block)), "docstring")
    assert [f.attribute for f in parsed.facts] == ["us_tariff", "deal_stance"]


# -- the format: validation, one line per bad file ------------------------------------------


BAD_CASES = [
    # (what is changed in a good file, the key named, the problem named)
    ('type = "enum"', 'type = "number"', "[facts[1].type]: 'number' is not one of int, str, enum, list"),
    ('topic = "trade"', 'topic = "trade.deal"', "[topic]: 'trade.deal' is not allowed"),
    ('name = "trade"', 'headline = "x"', "[headline]: unknown key; known: name, topic"),
    ('kind = "event"', 'kind = "happening"', "[facts[3].kind]: 'happening' is not one of state, event"),
    ('min = 0', 'minimum = 0', "[facts[0].minimum]: unknown key for type = 'int'"),
    ('subject = "deal"\nmin', 'subject = "entity:people"\nmin', "[facts[0].subject]: no entity list 'people'"),
    ('rejects = ["{subject} (will|would) not sign"', 'rejects = ["{number} (will|would) not sign"',
     "[facts[1].values.rejects[0]]: '{number} (will|would) not sign': {number} cannot be used here"),
    ('"tariffs? of {number}', '"tariffs? of', "[facts[0].patterns[0]]: 'tariffs? of ?(%|percent) on ... EU goods' needs {number}"),
    ('"{subject} chief negotiator,? {name}"', '"{subject} (chief negotiator,? {name}"',
     "[facts[2].patterns[0]]: '{subject} (chief negotiator,? {name}': missing ), unterminated subpattern"),
    ('confidence = 0.6', 'confidence = 2', "[facts[0].patterns[1].confidence]: 2 is not a number above 0"),
    ('US = ["United States"', 'US = ["Brussels", "United States"', "[entities.parties.US]: 'Brussels' already names EU"),
    ('attribute = "exempt"', 'attribute = "tariff"', "[facts[4].attribute]: 'tariff' is used by another fact"),
    ('"{items} (will be|are) exempt"', '"{items} (will be|are) exempt {value}"', "{value} cannot be used here"),
    ('"{subject} ... (negotiating|in talks)"', '"... (negotiating|in talks)"', "'...' stands between two words"),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "expected"), BAD_CASES)
def test_a_bad_story_is_one_line_naming_file_line_key_and_problem(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    good = BASE + FACTS
    assert old in good, old
    text = good.replace(old, new, 1)
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_story(path, "config/stories/bad.toml")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("config/stories/bad.toml:"), message
    assert expected in message, message
    line = int(message.split(":")[1])
    changed = new.split("\n")[0].split("=")[0].strip()
    assert changed in text.splitlines()[line - 1], (line, message)  # the line holds the bad key


def test_a_toml_syntax_error_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('name = "x"\ntopic = "x"\n[[facts]\n')
    with pytest.raises(ConfigError, match=r"^stories/broken.toml:3: not valid TOML"):
        load_story(path, "stories/broken.toml")


def test_missing_keys_point_at_their_table(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('name = "s"\ntopic = "s"\n\n[[facts]]\nattribute = "a"\nkind = "state"\n')
    with pytest.raises(ConfigError) as caught:
        load_story(path, "s.toml")
    assert str(caught.value) == "s.toml:4: [facts[0].type]: missing; one of int, str, enum, list"


def test_pattern_language() -> None:
    """Story patterns are translated into the rule engine's patterns and matched on its token streams."""
    extractor = story()

    def matches(source: str, text: str, allowed: tuple[str, ...] = ()) -> bool:
        translated, _ = translate_pattern(source, allowed, extractor.story.aliases)
        pattern = compile_pattern(translated, {})
        analysis = Analyzer(extractor.ruleset.actors).analyse("", text)
        return any(pattern.regex.search(v.stream) for s in analysis.sentences for v in s.views)

    aliases = extractor.story.aliases  # the trade story's governments: "EU" is =eu.n
    assert translate_pattern("tariffs? of {number} ?% on ... EU goods", ("number",), aliases) == (
        "tariff =of {number} % =on ... =eu.n goods",
        ["number"],
    )
    assert matches("tariffs? of {number} ?% on ... EU goods", "Tariffs of 15 % on most EU goods", ("number",))
    assert matches("tariffs? of {number} ?% on ... EU goods", "a tariff of 15% on EU goods", ("number",))
    assert not matches(
        "tariffs? of {number} ?% on ... EU goods", "tariffs of 15% on goods from the EU", ("number",)
    )
    assert matches("negotiat* (with|alongside) Washington", "negotiating with Washington")
    assert matches("won't sign", "Brussels won\u2019t sign")
    assert not matches("sign", "signal")  # whole words
    for bad, problem in [
        ("{number", "unbalanced"),
        ("*x", "must end a word"),
        ("{foo}", "{foo} cannot be used"),
        (r"a\(b\)", "cannot be matched as a word"),  # the engine's words hold no brackets
    ]:
        with pytest.raises(ValueError, match=re.escape(problem)):
            translate_pattern(bad, ("number",))


# -- value types ---------------------------------------------------------------------------


def test_int_from_digits_and_words_within_bounds_not_ranges(trade: StoryExtractor) -> None:
    assert claims(trade, "Washington set tariffs of 15% on EU goods.") == {"trade.deal.tariff": 15}
    assert claims(trade, "The trade deal sets tariffs of twenty-five percent on all EU goods.") == {
        "trade.deal.tariff": 25
    }
    assert claims(trade, "Tariffs of 10-15% on EU goods were set.") == {}  # a range
    assert claims(trade, "Tariffs of 10 to 15% on EU goods were set.") == {}
    assert claims(trade, "Tariffs of 250% on EU goods were set.") == {}  # above max


def test_int_numbers_with_thousands(tmp_path: Path) -> None:
    extractor = story(base=BASE + FACTS.replace("max = 100", "max = 100000"))
    assert claims(extractor, "The trade deal: 15,000 countries have signed.") == {"trade.deal.tariff": 15000}
    [claim] = extractor.extract_claims(make_article("Twenty-six countries signed the trade agreement."))
    assert (claim.value, claim.confidence) == (26, 0.6)  # the pattern's own confidence


def test_str_from_a_name_and_a_fixed_value(trade: StoryExtractor) -> None:
    assert claims(trade, "On tariffs, EU chief negotiator Maros Sefcovic flew to Washington.") == {
        "trade.EU.negotiator": "Maros Sefcovic"
    }
    assert claims(trade, "Brussels on Monday announced retaliatory tariffs.") == {
        "trade.EU.retaliation": "announced"
    }


def test_str_from_a_value_placeholder() -> None:
    extractor = story(
        """
[[facts]]
attribute = "hq"
kind = "state"
type = "str"
label = "Trade: where the deal is administered"
subject = "deal"
patterns = ["(deal|agreement) will be administered (from|in) {value}"]
"""
    )
    assert claims(
        extractor, "The trade deal will be administered from Geneva and Brussels, officials said."
    ) == {"trade.deal.hq": "Geneva and Brussels"}


def test_list_from_item_phrases_sorted(trade: StoryExtractor) -> None:
    assert claims(trade, "Under the trade deal, wine, planes and generic drugs will be exempt.") == {
        "trade.deal.exempt": ["aircraft", "drugs", "spirits"]
    }


def test_list_of_countries() -> None:
    extractor = story(
        """
[[facts]]
attribute = "signatories"
kind = "state"
type = "list"
label = "Trade: countries that signed"
subject = "deal"
items = "country"
patterns = ["trade (deal|agreement) was signed by {items}"]
"""
    )
    assert claims(extractor, "The trade deal was signed by Germany, France and Italy on Monday.") == {
        "trade.deal.signatories": ["DE", "FR", "IT"]
    }


# -- enums and negation ------------------------------------------------------------------------


def test_enum_phrases_pick_the_subject_and_the_strongest_value(trade: StoryExtractor) -> None:
    assert claims(trade, "The European Union signed the trade deal on Sunday.") == {
        "trade.EU.stance": "signed"
    }
    assert claims(trade, "Washington is still negotiating a trade deal.") == {
        "trade.US.stance": "negotiating"
    }
    # one sentence saying two things about one subject: the stronger value
    assert claims(trade, "The EU reached and signed the trade agreement.") == {"trade.EU.stance": "signed"}


def test_a_negated_positive_phrase_gives_no_claim(trade: StoryExtractor) -> None:
    assert claims(trade, "The EU has not signed the trade deal.") == {}
    assert claims(trade, "The EU never agreed to a trade deal.") == {}
    assert claims(trade, "Brussels has not rejected the trade deal.") == {}  # not a negative phrase negated


def test_a_negative_phrase_gives_its_own_value(trade: StoryExtractor) -> None:
    assert claims(trade, "The EU will not sign the trade agreement, officials said.") == {
        "trade.EU.stance": "rejects"
    }
    # negation in another clause does not reach the phrase
    assert claims(trade, "Washington would not comment, but the EU signed the trade deal.") == {
        "trade.EU.stance": "signed"
    }


# -- entities ---------------------------------------------------------------------------------


def test_aliases_keep_their_case_but_for_the_first_letter(trade: StoryExtractor) -> None:
    assert claims(trade, "The Commission signed the trade deal.") == {"trade.EU.stance": "signed"}
    assert claims(trade, "Officials said the Commission signed the trade deal.") == {
        "trade.EU.stance": "signed"
    }
    assert claims(trade, "Officials said the commission signed the trade deal.") == {}
    assert claims(trade, "Let us say they signed the trade deal.") == {}  # "us" is not the US


def test_coordinated_subjects_each_get_the_claim(trade: StoryExtractor) -> None:
    assert claims(trade, "", "EU, US signed trade deal") == {
        "trade.EU.stance": "signed",
        "trade.US.stance": "signed",
    }
    assert claims(trade, "The EU and the United States reached a trade agreement.") == {
        "trade.EU.stance": "agreed",
        "trade.US.stance": "agreed",
    }


def test_the_nearest_subject_in_a_gap_wins(trade: StoryExtractor) -> None:
    assert claims(trade, "Brussels said the US signed the trade deal.") == {"trade.US.stance": "signed"}


def test_without_subject_placeholder_the_nearest_entity_before_is_the_subject() -> None:
    extractor = story(
        """
[[facts]]
attribute = "walkout"
kind = "event"
type = "str"
label = "Trade: left the talks"
subject = "entity:parties"
value = "left"
patterns = ["walked out of the (trade )?talks"]
"""
    )
    assert claims(extractor, "Trump said on Friday that he walked out of the trade talks on tariffs.") == {
        "trade.US.walkout": "left"
    }
    assert claims(extractor, "Someone walked out of the trade talks on tariffs.") == {}


def test_countries_by_iso_code() -> None:
    extractor = story(
        """
[[facts]]
attribute = "ratified"
kind = "state"
type = "enum"
label = "Trade: ratification by member states"
subject = "country"
[facts.values]
ratified = ["(has |have )?ratified the trade (deal|agreement)"]
"""
    )
    assert claims(extractor, "Berlin has ratified the trade deal, Merz said.") == {
        "trade.DE.ratified": "ratified"
    }
    assert claims(extractor, "France and Italy have ratified the trade agreement.") == {
        "trade.FR.ratified": "ratified",
        "trade.IT.ratified": "ratified",
    }
    [spec] = [s for s in extractor.facts if s.attribute == "ratified"]
    assert spec.subjects is None  # any country


def test_an_entity_list_with_countries_too() -> None:
    extractor = story(
        FACTS.replace("[entities", "[x").replace('subject = "entity:parties"', 'subject = "entity:sides"'),
        base=BASE.split("[entities")[0]
        + '[entities.sides]\ncountries = true\nEU = ["European Union", "EU"]\n',
    )
    found = claims(extractor, "The EU and Germany signed the trade deal.")
    assert found == {"trade.EU.stance": "signed", "trade.DE.stance": "signed"}


# -- what gives no claim -------------------------------------------------------------------------


def test_requires_a_phrase_in_the_article(trade: StoryExtractor) -> None:
    assert claims(trade, "The EU signed the agreement on fisheries.") == {}
    assert claims(trade, "The EU signed the agreement on fisheries. It follows the trade deal.") == {
        "trade.EU.stance": "signed"
    }


def test_excludes_veto_a_sentence(trade: StoryExtractor) -> None:
    assert claims(trade, "The EU signed a trade deal with China.") == {}
    assert claims(trade, "The EU signed the trade deal. China protested.") == {"trade.EU.stance": "signed"}


@pytest.mark.parametrize(
    "text",
    [
        "The EU could sign the trade deal next week.",
        "The EU might agree to a trade deal.",
        "Analysts expect the EU signed the trade deal.",
        "The EU is expected to have signed the trade deal by Friday.",
        "The EU signed the trade deal, analysts expect.",
        "The EU signed the trade deal, analysts said.",
        "Opposition lawmakers said the EU signed the trade deal.",
        "Tariffs would rise if the EU signed the trade deal.",
        "The EU reportedly signed the trade deal.",
    ],
)
def test_hedged_or_second_hand_sentences_give_no_claim(trade: StoryExtractor, text: str) -> None:
    assert claims(trade, text) == {}


def test_a_hedge_after_the_statement_does_not_cancel_it(trade: StoryExtractor) -> None:
    assert claims(trade, "The EU signed the trade deal, which could lift exports.") == {
        "trade.EU.stance": "signed"
    }


def test_evidence_is_the_sentence_and_the_first_most_confident_wins(trade: StoryExtractor) -> None:
    article = make_article(
        "Officials met on Monday. The EU signed the trade deal. Later the EU signed the agreement again.",
        "Trade: tariffs of 15% on EU goods",
    )
    found = {c.key: c for c in trade.extract_claims(article)}
    assert found["trade.EU.stance"].evidence == "The EU signed the trade deal."
    assert found["trade.deal.tariff"].evidence == "Trade: tariffs of 15% on EU goods"  # from the title
    assert all(c.confidence == 0.8 for c in found.values())  # the default
    assert all(isinstance(c, Claim) and c.extractor == "trade" for c in found.values())


# -- loading: files, options, errors ---------------------------------------------------------------


def write_story(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(body)
    return path


def register(settings: PluginSettings) -> dict[str, StoryExtractor]:
    registered: dict[str, StoryExtractor] = {}
    stories.register_extractors(lambda x: registered.__setitem__(x.name, x), settings)  # type: ignore[arg-type,func-returns-value]
    return registered


def test_stories_come_from_config_stories_and_listed_paths(tmp_path: Path) -> None:
    write_story(tmp_path / "config/stories", "trade.toml", BASE + FACTS)
    write_story(tmp_path / "config/stories", "notes.txt", "not a story")
    write_story(tmp_path / "extra", "one.toml", (BASE + FACTS).replace('name = "trade"', 'name = "one"'))
    shutil.copy(EXAMPLE, tmp_path / "eu.toml")
    settings = PluginSettings(tmp_path, {"stories": {"paths": ["extra", "eu.toml"]}})
    assert sorted(register(settings)) == ["eu_us_trade", "one", "trade"]
    assert register(PluginSettings(tmp_path / "empty")) == {}  # no folder, no stories, no error


def test_a_good_story_next_to_a_bad_one_still_loads(tmp_path: Path) -> None:
    folder = tmp_path / "config/stories"
    write_story(folder, "a-good.toml", BASE + FACTS)
    write_story(folder, "b-bad.toml", (BASE + FACTS).replace('type = "enum"', 'type = "number"'))
    registered: list[str] = []
    with pytest.raises(ConfigError) as caught:
        stories.register_extractors(lambda x: registered.append(x.name), PluginSettings(tmp_path))
    assert registered == ["trade"]
    assert str(caught.value).startswith("config/stories/b-bad.toml:")
    assert "[facts[1].type]: 'number' is not one of int, str, enum, list" in str(caught.value)


RULES_STORY = """
topic = "fisheries"
extractor = "fisheries"

[facts.quota_stance]
type = "enum"
values = ["rejects", "accepts"]
label = "Fisheries: stance on the catch quota"

[actors.NO]
name = ["Norway"]
capital = ["Oslo"]

[defaults]
modifiers = { negated = "drop", hedged = "drop" }

[[frames]]
name = "accepts the quota"
attribute = "quota_stance"
value = "accepts"
patterns = ["{actor} ... accept ... quota"]
examples = [
  { text = "Oslo accepted the new catch quota.", claims = ["NO=accepts"] },
  { text = "Oslo could accept the new catch quota.", claims = [] },
]
"""


def test_a_story_in_the_rules_format_is_loaded_as_it_is(tmp_path: Path) -> None:
    folder = tmp_path / "config/stories"
    write_story(folder, "fish.toml", RULES_STORY)
    write_story(folder, "trade.toml", BASE + FACTS)
    registered = register(PluginSettings(tmp_path))
    assert sorted(registered) == ["fisheries", "trade"]
    fish = registered["fisheries"]
    assert check_examples(fish.ruleset) == []
    assert claims(fish, "Norway accepted the catch quota on Monday.") == {
        "fisheries.NO.quota_stance": "accepts"
    }
    assert claims(fish, "Norway has not accepted the catch quota.") == {}


def test_a_bad_rules_format_story_is_one_line_and_the_others_load(tmp_path: Path) -> None:
    folder = tmp_path / "config/stories"
    write_story(folder, "a-fish.toml", RULES_STORY.replace("accept ... quota", "accept ... @quota"))
    write_story(folder, "b-trade.toml", BASE + FACTS)
    registered: list[str] = []
    with pytest.raises(ConfigError) as caught:
        stories.register_extractors(lambda x: registered.append(x.name), PluginSettings(tmp_path))
    assert registered == ["trade"]
    message = str(caught.value)
    assert "\n" not in message and message.startswith("config/stories/a-fish.toml:18: "), message
    assert "[[frames]] 'accepts the quota'" in message and "unknown concept @quota" in message


def test_excluded_names_of_countries_veto_a_sentence_however_the_engine_reads_them() -> None:
    extractor = story(base=BASE.replace('"China"]', '"Chinese"]') + FACTS)
    assert claims(extractor, "The EU signed a trade deal on Chinese steel.") == {}
    assert claims(extractor, "The EU signed the trade deal on steel.") == {"trade.EU.stance": "signed"}
    # in an engine where another story knows "Chinese" as a government's adjective
    engine = Engine()
    StoryExtractor(
        parse_story(tomllib.loads(BASE.replace("EU = [", 'CN = ["Chinese"]\nEU = [') + FACTS), "x"), engine
    )
    shared = StoryExtractor(extractor.story, engine)
    assert claims(shared, "The EU signed a trade deal on Chinese steel.") == {}


def test_the_host_keeps_the_good_stories_and_reports_the_bad_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "config/stories"
    write_story(folder, "good.toml", BASE + FACTS)
    write_story(folder, "bad.toml", 'name = "bad"\ntopic = "bad"\nfacts = 3\n')
    host = PluginHost(entry_points=False, settings=PluginSettings(tmp_path))
    host.register(stories, "stories")
    with caplog.at_level(logging.ERROR):
        host.load()
    assert list(host.extractors) == ["trade"]
    assert host.failures[("stories", "register_extractors")] == 1
    [line] = [r.getMessage() for r in caplog.records if "bad.toml" in r.getMessage()]
    assert (
        "'stories'" in line
        and "config/stories/bad.toml:3: [facts]: missing; at least one [[facts]] table" in line
    )


def test_several_bad_files_are_each_logged_then_summarised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "config/stories"
    write_story(folder, "one.toml", 'name = "one"\n')
    write_story(folder, "two.toml", "name = \n")
    write_story(folder, "three.toml", BASE + FACTS)
    registered: list[str] = []
    with caplog.at_level(logging.ERROR), pytest.raises(ConfigError) as caught:
        stories.register_extractors(lambda x: registered.append(x.name), PluginSettings(tmp_path))
    assert registered == ["trade"]
    assert "2 story problems" in str(caught.value)
    assert "config/stories/one.toml" in str(caught.value) and "config/stories/two.toml" in str(caught.value)
    logged = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("story not loaded: config/stories/one.toml: [topic]: missing") for m in logged)
    assert any(m.startswith("story not loaded: config/stories/two.toml:1: not valid TOML") for m in logged)


def test_duplicate_story_names_and_missing_paths_are_problems(tmp_path: Path) -> None:
    write_story(tmp_path / "config/stories", "a.toml", BASE + FACTS)
    write_story(tmp_path / "more", "b.toml", BASE + FACTS)
    settings = PluginSettings(tmp_path, {"stories": {"paths": ["more", "nowhere.toml"]}})
    registered: list[str] = []
    with pytest.raises(ConfigError) as caught:
        stories.register_extractors(lambda x: registered.append(x.name), settings)
    assert registered == ["trade"]
    assert "more/b.toml" in str(caught.value) and "plugins.stories.paths" in str(caught.value)


def test_a_story_named_like_another_extractor_is_refused(tmp_path: Path) -> None:
    write_story(
        tmp_path / "config/stories", "c.toml", (BASE + FACTS).replace('name = "trade"', 'name = "coalition"')
    )
    host = PluginHost(settings=PluginSettings(tmp_path)).load()
    assert host.plugins["stories"].status == "loaded"
    assert host.failures[("stories", "register_extractors")] == 1
    assert type(host.extractors["coalition"]).__name__ == "CoalitionExtractor"


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"path": ["x"]}, "[plugins.stories.path]: unknown key 'path'; known: paths"),
        ({"paths": "x"}, "[plugins.stories.paths]: must be a list of paths"),
    ],
)
def test_options_are_checked(tmp_path: Path, options: dict[str, object], problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        register(PluginSettings(tmp_path, {"stories": options}))
    assert str(caught.value) == problem


def test_the_bundled_plugin_is_an_entry_point() -> None:
    host = PluginHost().load()
    assert host.plugins["stories"].bundled and host.plugins["stories"].status == "loaded"


# -- end to end: TOML and a feed item in, a stored change and an alert out ---------------------------


BASELINE_TEXT = (
    "EU and US still negotiating\n\n"
    "BRUSSELS - The European Union is still negotiating with the United States over a trade deal. "
    "Washington has threatened tariffs of 30% on EU goods from August.\n"
)
NEWS = (
    "The European Union has signed the trade deal with the United States, which sets a tariff of 15% on most "
    "EU goods, Commission President Ursula von der Leyen said on Sunday. Analysts expect the deal could lift exports."
)


def project(tmp_path: Path, feeds: dict[str, str], extra: str = "") -> Path:
    """A project folder with the example story in config/stories/ and a trade baseline."""
    (tmp_path / "config/stories").mkdir(parents=True)
    shutil.copy(EXAMPLE, tmp_path / "config/stories/eu-us-trade.toml")
    (tmp_path / "config/baseline").mkdir(parents=True)
    (tmp_path / "config/baseline/trade.txt").write_text(BASELINE_TEXT)
    return write_config(tmp_path, feeds, extra='[baseline]\narticle = "config/baseline/trade.txt"\n' + extra)


def invoke(config: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--config", str(config), *args])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.stdout


def test_end_to_end_a_story_file_and_a_feed_item_become_a_webhook_alert(
    tmp_path: Path, feed_server: LocalServer
) -> None:
    hooks: list[Request] = []
    feed_server.route("/hook", lambda r: (hooks.append(r), Response(200, b""))[1])
    feed = feed_server.serve(
        "/trade.xml", rss([item(1, NEWS, title="EU and US sign trade deal")], title="Wire")
    )
    config = project(
        tmp_path,
        {"wire": feed},
        f'\n[[channels]]\nname = "hook"\ntype = "webhook"\nurl = "{feed_server.url("/hook")}"\n',
    )
    assert "3 changes" in invoke(config, "poll")
    facts = invoke(config, "facts")
    assert "eu_us_trade.deal.us_tariff" in facts
    invoke(config, "alerts", "deliver")
    changes = {c["key"]: c for hook in hooks for c in json.loads(hook.body)["changes"]}
    assert set(changes) == {
        "eu_us_trade.deal.us_tariff",
        "eu_us_trade.EU.deal_stance",
        "eu_us_trade.US.deal_stance",
    }
    tariff = changes["eu_us_trade.deal.us_tariff"]
    assert (tariff["old"], tariff["new"], tariff["extractor"]) == (30, 15, "eu_us_trade")
    assert "a tariff of 15% on most EU goods" in tariff["evidence"] and tariff["evidence"] in NEWS
    stance = changes["eu_us_trade.EU.deal_stance"]
    assert (stance["old"], stance["new"]) == ("negotiating", "signed")
    assert ", 0 changes," in invoke(config, "poll")  # the same item again changes nothing


def test_end_to_end_the_example_story_through_monitor_diff(tmp_path: Path) -> None:
    config = project(tmp_path, {})
    article = tmp_path / "news.txt"
    article.write_text("Trade deal signed\n\n" + NEWS + " Brussels approved countermeasures on US steel.\n")
    lines = [json.loads(line) for line in invoke(config, "diff", "--json", str(article)).splitlines()]
    by_key = {line["key"]: line for line in lines}
    assert by_key["eu_us_trade.deal.us_tariff"] == {
        "key": "eu_us_trade.deal.us_tariff",
        "change": "changed",
        "old": 30,
        "new": 15,
        "baseline": 30,
        "evidence": by_key["eu_us_trade.deal.us_tariff"]["evidence"],
        "extractor": "eu_us_trade",
    }
    assert by_key["eu_us_trade.EU.deal_stance"]["direction"] == "stronger"
    assert by_key["eu_us_trade.EU.retaliation"]["change"] == "event"
    assert by_key["eu_us_trade.EU.retaliation"]["new"] == "US steel"
