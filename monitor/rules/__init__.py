"""The rule engine: stories' rules kept as data, matched against one analysis of each article.

Public API for extractor authors. A story ships a TOML rule file (format in
``docs/rules.md``) and registers ``RuleExtractor(load_rules(path))``; the
engine analyses each article once (sentences, clauses, relative clauses,
numbers, actors, speakers) for every rule set loaded in the process.
"""

from .analysis import ActorTable, Analysis, Analyzer, Sentence, Token, View
from .engine import Engine, RuleExtractor, check_examples, claims_from_hits, default_engine, explain_lines
from .errors import RuleError
from .files import english_titles
from .frames import Frame, Hit
from .lexicon import Concept, inflections, phrase_forms
from .pattern import Pattern, PatternError, compile_pattern
from .ruleset import Example, RuleSet, build_rules, country_aliases, load_rules

__all__ = [
    "ActorTable",
    "Analysis",
    "Analyzer",
    "Concept",
    "Engine",
    "Example",
    "Frame",
    "Hit",
    "Pattern",
    "PatternError",
    "RuleError",
    "RuleExtractor",
    "RuleSet",
    "Sentence",
    "Token",
    "View",
    "build_rules",
    "check_examples",
    "claims_from_hits",
    "compile_pattern",
    "country_aliases",
    "default_engine",
    "english_titles",
    "explain_lines",
    "inflections",
    "load_rules",
    "phrase_forms",
]
