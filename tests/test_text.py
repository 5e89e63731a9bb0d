"""monitor.text: the language helpers extractor authors rely on."""

from __future__ import annotations

import doctest

import pytest

from monitor import text as T


def test_doctests_hold() -> None:
    result = doctest.testmod(T)
    assert result.failed == 0 and result.attempted > 10


# -- sentences ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The U.S. envoy arrived. He met Mr. Tusk.", ["The U.S. envoy arrived.", "He met Mr. Tusk."]),
        (
            "Talks resumed on Sept. 12 in Geneva. Both sides agreed.",
            ["Talks resumed on Sept. 12 in Geneva.", "Both sides agreed."],
        ),
        (
            "Donald J. Trump spoke. Gen. Keith Kellogg listened.",
            ["Donald J. Trump spoke.", "Gen. Keith Kellogg listened."],
        ),
        (
            '"We are ready," she said. "Are you?" he asked.',
            ['"We are ready," she said.', '"Are you?" he asked.'],
        ),
        (
            "Aid will flow via the U.K. The plan was agreed.",
            ["Aid will flow via the U.K.", "The plan was agreed."],
        ),
        ("Wait... Then it ended! Really?", ["Wait...", "Then it ended!", "Really?"]),
        ("First paragraph without a stop\n\nSecond one.", ["First paragraph without a stop", "Second one."]),
        (
            "A line that wraps\nin the middle of a sentence.",
            ["A line that wraps\nin the middle of a sentence."],
        ),
    ],
)
def test_sentences_survive_abbreviations_quotes_and_paragraphs(text: str, expected: list[str]) -> None:
    assert T.split_sentences(text) == expected


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("WARSAW (Sept 4) - Poland said no. It stays home.", "Poland said no."),
        ("PARIS, Jan 6 - Leaders met on Tuesday.", "Leaders met on Tuesday."),
        ("PALM BEACH, Fla. - The offer was made.", "The offer was made."),
        ("KYIV (Reuters) \u2014 Sirens sounded overnight.", "Sirens sounded overnight."),
        ("VLADIVOSTOK, Russia - Putin spoke.", "Putin spoke."),
        ("NATO allies met in Brussels.", "NATO allies met in Brussels."),
        ("UK and France agree - again.", "UK and France agree - again."),
    ],
)
def test_datelines_are_left_out_of_the_first_sentence(text: str, first: str) -> None:
    assert T.split_sentences(text)[0] == first


@pytest.mark.parametrize(
    "text", ["", "   ", "\n\n", "...", "a", 'He said "', "U.S.", "\u201cQuoted.\u201d Next."]
)
def test_sentences_are_exact_substrings(text: str) -> None:
    for start, end in T.sentence_spans(text):
        assert text[start:end] and text[start:end] == text[start:end].strip()
        assert text[start:end] in text


def test_clauses_split_at_contrast_words() -> None:
    t = "Italy will not send troops but is open to monitoring; Rome agreed, though reluctantly."
    assert [t[s:e] for s, e in T.clause_spans(t)] == [
        "Italy will not send troops",
        "is open to monitoring",
        "Rome agreed",
        "reluctantly.",
    ]


# -- numbers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("26", 26),
        ("15,000", 15000),
        ("twenty-six", 26),
        ("Twenty-six", 26),
        ("twenty six", 26),
        ("two dozen", 24),
        ("a dozen", 12),
        ("half a dozen", 6),
        ("one hundred and twelve", 112),
        ("five thousand", 5000),
        ("1.5 million", 1_500_000),
        ("15 thousand", 15000),
        ("many", None),
        ("", None),
        ("two three", None),
        ("1.5", None),
    ],
)
def test_parse_number(text: str, value: int | None) -> None:
    assert T.parse_number(text) == value


def test_find_numbers_reads_digits_and_words_in_place() -> None:
    text = "Twenty-six of the 35 countries, up to 15,000 troops and a dozen ships; 10-year plan"
    found = T.find_numbers(text)
    assert [n.value for n in found] == [26, 35, 15000, 12, 10]
    assert all(text[n.start : n.end] == n.text for n in found)


def test_number_pattern_embeds_in_other_patterns() -> None:
    import re

    m = re.search(rf"(?P<n>{T.NUMBER}) drones", "Russia fired 112 drones")
    assert m and T.parse_number(m.group("n")) == 112
    assert re.search(rf"{T.NUMBER}", "someone alone") is None


# -- countries -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("Germany, Italy and Poland", ["DE", "IT", "PL"]),
        ("the German, Italian, British and Polish envoys", ["DE", "IT", "GB", "PL"]),
        ("Berlin said Washington, Moscow, the Kremlin and Rome agreed", ["DE", "US", "RU", "RU", "IT"]),
        ("Warsaw, Ottawa, London and Paris", ["PL", "CA", "GB", "FR"]),
        (
            "Merz, Meloni, Starmer, Macron, Putin, Trump, Tusk, Carney, Zelenskyy",
            ["DE", "IT", "GB", "FR", "RU", "US", "PL", "CA", "UA"],
        ),
        ("the U.S. and the UK and the United States of America", ["US", "GB", "US"]),
        ("Russia's and Ukraine's and Cote d'Ivoire", ["RU", "UA", "CI"]),
        ("Papua New Guinea and Guinea-Bissau", ["PG", "GW"]),
        ("let us go; a german shepherd; New Jersey", []),
    ],
)
def test_find_countries(text: str, codes: list[str]) -> None:
    assert [m.code for m in T.find_countries(text)] == codes


def test_find_countries_window_keeps_positions() -> None:
    text = "France and Britain met Germany"
    inside = T.find_countries(text, 5, 20)
    assert [(m.code, text[m.start : m.end]) for m in inside] == [("GB", "Britain")]


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Britain", "GB"),
        ("italian", "IT"),
        ("DE", "DE"),
        ("Russian Federation", "RU"),
        ("Kremlin", "RU"),
        ("", None),
        ("Narnia", None),
    ],
)
def test_country_code(name: str, code: str | None) -> None:
    assert T.country_code(name) == code


def test_capitals_as_places_are_not_governments() -> None:
    text = "Berlin said it agreed after the Paris talks held in Warsaw"
    assert [T.is_location(text, m) for m in T.find_countries(text)] == [False, True, True]


@pytest.mark.parametrize(
    ("text", "cue", "codes"),
    [
        ("Tusk said on Thursday that Poland would not send troops", "would", ["PL"]),
        ("Berlin said it would decide later", "would", ["DE"]),
        ("Meloni made clear she would not send troops", "would", ["IT"]),
        ("France and Britain, which lead the group, said they are ready", "ready", ["FR", "GB"]),
        (
            "French President Emmanuel Macron and British Prime Minister Keir Starmer agreed",
            "agreed",
            ["FR", "GB"],
        ),
        ("Macron said 26 countries had pledged troops", "pledged", []),
        ("Poland's neighbours would send troops", "would", []),
        ("After talks in Warsaw, officials agreed", "agreed", []),
    ],
)
def test_subject_of(text: str, cue: str, codes: list[str]) -> None:
    assert T.subject_of(text, text.index(cue)) == codes


def test_subject_of_excluded_nearest_gives_nothing() -> None:
    text = "After talks with Macron, Putin ruled out troops"
    assert T.subject_of(text, text.index("ruled"), exclude={"RU"}) == []


# -- negation, hedging, conditions ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "negated"),
    [
        ("Italy would not send troops", True),
        ("Rome won't send troops", True),
        ("Putin ruled out the deployment", True),
        ("Trump has made no explicit commitment", True),
        ("Paris refused to commit troops", True),
        ("Paris has not ruled out sending troops", False),
        ("Paris will send troops", False),
        ("The notion of knowledge", False),
    ],
)
def test_is_negated(text: str, negated: bool) -> None:
    assert T.is_negated(text) is negated


@pytest.mark.parametrize(
    ("text", "hedged"),
    [
        ("Germany could send troops", True),
        ("Germany might send troops", True),
        ("Analysts expect Berlin to join", True),
        ("It is expected to be settled", True),
        ("Germany may join", True),
        ("Talks in May went well", False),
        ("Germany will send troops", False),
    ],
)
def test_is_hedged(text: str, hedged: bool) -> None:
    assert T.is_hedged(text) is hedged


@pytest.mark.parametrize(
    ("text", "conditional"),
    [
        ("it would decide only when conditions were clear", True),
        ("any deployment would require a Bundestag mandate", True),
        ("troops will go if Washington provides a backstop", True),
        ("troops will deploy once a ceasefire holds", False),
        ("troops will go if a ceasefire is agreed", False),
    ],
)
def test_has_condition(text: str, conditional: bool) -> None:
    assert T.has_condition(text) is conditional


def test_commentary() -> None:
    assert T.is_commentary("Opposition leaders said Germany should stay out")
    assert T.is_commentary("Experts noted the risk")
    assert not T.is_commentary("The chancellor said Germany would decide later")


@pytest.mark.parametrize("bad", [None, 12, b"bytes"])
def test_helpers_never_raise_on_non_text(bad: object) -> None:
    assert T.split_sentences(bad) == []  # type: ignore[arg-type]
    assert T.find_numbers(bad) == []  # type: ignore[arg-type]
    assert T.find_countries(bad) == []  # type: ignore[arg-type]
    assert T.parse_number(bad) is None  # type: ignore[arg-type]
    assert T.country_code(bad) is None  # type: ignore[arg-type]
    assert T.subject_of(bad, 0) == []  # type: ignore[arg-type]
    assert T.is_negated(bad) is False  # type: ignore[arg-type]
