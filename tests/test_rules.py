"""The rule engine: every example in every bundled rule file reads as it says, and the engine's parts."""

from __future__ import annotations

from pathlib import Path

import pytest
from monitor_plugins.coalition_story import RULE_FILES, rules

from monitor import Article
from monitor.rules import Engine, RuleError, RuleExtractor, check_examples, compile_pattern, load_rules
from monitor.rules.lexicon import Concept


@pytest.mark.parametrize("thread", RULE_FILES)
def test_every_example_of_the_bundled_rules_holds(thread: str) -> None:
    ruleset = rules(thread)
    assert ruleset.examples, f"{thread}: rules without examples"
    assert check_examples(ruleset) == []


@pytest.mark.parametrize("thread", RULE_FILES)
def test_every_frame_has_an_example(thread: str) -> None:
    ruleset = rules(thread)
    with_examples = {e.where.split("'")[1] for e in ruleset.examples if e.attribute is not None}
    assert [f.name for f in ruleset.frames if f.name not in with_examples] == []


def test_lemmas_are_inflected_by_the_engine() -> None:
    send = Concept.build("send", ["send", "rule out"], "verb")
    forms = {" ".join(f) for f in send.forms}
    assert {"sends", "sent", "sending", "ruled out", "ruling out"} <= forms


def test_a_pattern_word_matches_its_inflections_and_an_equals_sign_only_itself() -> None:
    concepts = {"troops": Concept.build("troops", ["troop", "soldier"], "noun")}
    inflected = compile_pattern("pledge ...3 @troops", concepts)
    literal = compile_pattern("=pledge ...3 @troops", concepts)
    assert inflected.regex.search(" spain pledged more soldiers . ")
    assert not literal.regex.search(" spain pledged more soldiers . ")
    assert literal.regex.search(" a pledge of soldiers . ")


def test_a_gap_does_not_cross_a_clause_boundary() -> None:
    concepts = {"troops": Concept.build("troops", ["troop"], "noun")}
    pattern = compile_pattern("send ...5 @troops", concepts)
    assert pattern.regex.search(" will send its own troops ")
    assert not pattern.regex.search(" will send aid | but not troops ")


def _story(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "story.toml"
    path.write_text(
        'topic = "test_story"\n[facts.stance]\ntype = "enum"\nvalues = ["no", "yes"]\n'
        '[concepts.troops]\npos = "noun"\nwords = ["troop", "soldier"]\n' + body,
        "utf-8",
    )
    return path


def test_negation_in_a_relative_clause_does_not_reach_the_main_clause(tmp_path: Path) -> None:
    path = _story(
        tmp_path,
        '[[frames]]\nattribute = "stance"\nvalue = "yes"\npatterns = ["pledge ...3 @troops"]\n'
        'modifiers = { negated = "no" }\n[actors.PL]\nname = ["Poland"]\n',
    )
    extractor = RuleExtractor(load_rules(path), Engine())
    text = "Poland, which has never hesitated to help, pledged troops. Spain won't be sending soldiers."
    claims = extractor.extract_claims(Article(id="a", title="", text=text))
    assert {(c.subject, c.value) for c in claims} == {("PL", "yes")}


def test_contractions_are_negations(tmp_path: Path) -> None:
    path = _story(
        tmp_path,
        '[[frames]]\nattribute = "stance"\nvalue = "yes"\npatterns = ["send ...3 @troops"]\n'
        'modifiers = { negated = "no" }\n',
    )
    extractor = RuleExtractor(load_rules(path), Engine())
    claims = extractor.extract_claims(Article(id="a", title="", text="Spain won't be sending troops."))
    assert [(c.subject, c.value) for c in claims] == [("ES", "no")]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '[[frames]]\nattribute = "nope"\nvalue = "yes"\npatterns = ["x"]\n',
            "attribute 'nope' is not among",
        ),
        (
            '[[frames]]\nattribute = "stance"\nvalue = "yes"\npatterns = ["@missing x"]\n',
            "unknown concept @missing",
        ),
        ('[[frames]]\nattribute = "stance"\nvalue = "yes"\npatterns = ["(a|b"]\n', "missing ')'"),
        (
            '[[context]]\ncategory = "x"\ndirection = "sideways"\npatterns = ["x"]\n',
            "direction must be one of",
        ),
    ],
)
def test_a_bad_rule_file_is_one_line_naming_file_and_table(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(RuleError) as caught:
        load_rules(_story(tmp_path, body))
    text = str(caught.value)
    assert message in text and str(tmp_path) in text and "\n" not in text


def test_examples_that_fail_are_reported_with_their_place(tmp_path: Path) -> None:
    path = _story(
        tmp_path,
        '[[frames]]\nname = "pledge"\nattribute = "stance"\nvalue = "yes"\npatterns = ["pledge ...3 @troops"]\n'
        'examples = [{ text = "Spain pledged soldiers.", claims = ["ES=no"] }]\n',
    )
    problems = check_examples(load_rules(path), Engine())
    assert len(problems) == 1 and "'pledge'" in problems[0] and "ES=yes" in problems[0]
