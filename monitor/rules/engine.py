"""One engine for every story: each article analysed once, every rule set matched against it."""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Any

from monitor.api import Extractor
from monitor.model import Article, Claim

from .analysis import ActorTable, Analysis, Analyzer
from .context import cues_in
from .frames import Hit, fill_from_later, run_frames
from .pattern import Pattern
from .ruleset import Example, RuleSet

__all__ = ["Engine", "RuleExtractor", "check_examples", "default_engine"]

MAX_CHARS = 200_000


class Engine:
    """Holds the rule sets of every story and a small cache of analysed articles.

    The analysis depends on the actors and reporting verbs of all rule sets
    together, so a rule set added later rebuilds the analyser and clears the cache.
    """

    def __init__(self, cache_size: int = 64) -> None:
        self._rulesets: list[RuleSet] = []
        self._analyzer: Analyzer | None = None
        self._cache: OrderedDict[tuple[Any, ...], Analysis] = OrderedDict()
        self._gates: OrderedDict[tuple[Any, ...], bool] = OrderedDict()
        self._size = cache_size
        self._lock = threading.Lock()

    def add(self, ruleset: RuleSet) -> None:
        """Add a rule set; one read again from the same file replaces the one before."""
        with self._lock:
            self._rulesets = [r for r in self._rulesets if r.source != ruleset.source]
            self._rulesets.append(ruleset)
            self._analyzer = None
            self._cache.clear()

    def analyser(self) -> Analyzer:
        with self._lock:
            if self._analyzer is None:
                actors = ActorTable.merge(r.actors for r in self._rulesets)
                verbs = (
                    frozenset().union(*(r.reporting for r in self._rulesets))
                    if self._rulesets
                    else frozenset()
                )
                approx = (
                    frozenset().union(*(r.approximate for r in self._rulesets))
                    if self._rulesets
                    else frozenset()
                )
                self._analyzer = Analyzer(actors, verbs, approx)
            return self._analyzer

    def analyse(self, article: Article) -> Analysis:
        key = (article.id, article.title, hash(article.text), article.published)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        analysis = self.analyser().analyse(
            article.title or "", article.text or "", article.published, MAX_CHARS
        )
        with self._lock:
            self._cache[key] = analysis
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return analysis

    def hits(self, ruleset: RuleSet, article: Article, gate: bool = True) -> list[Hit]:
        """Every frame of ``ruleset`` that matched ``article``, kept or dropped (for ``--explain``).

        With ``gate`` an article that is not about the story is not analysed at all.
        """
        if gate and not self._relevant(ruleset, article):
            return []
        analysis = self.analyse(article)
        if gate and ruleset.requires and not _mentions(ruleset.requires, analysis):
            return []
        return fill_from_later(
            list(run_frames(analysis.sentences, ruleset.index, ruleset.context_index, analysis.year))
        )

    def _relevant(self, ruleset: RuleSet, article: Article) -> bool:
        """The story's gate; stories that share their terms (one include) share the answer."""
        key = ("relevant", article.id, hash(article.text), ruleset.terms, ruleset.elsewhere)
        with self._lock:
            known = self._gates.get(key)
        if known is None:
            known = ruleset.relevant(f"{article.title or ''}\n{(article.text or '')[:MAX_CHARS]}")
            with self._lock:
                self._gates[key] = known
                while len(self._gates) > 4 * self._size:
                    self._gates.popitem(last=False)
        return known

    def claims(self, ruleset: RuleSet, article: Article, gate: bool = True) -> list[Claim]:
        return claims_from_hits(ruleset, article, self.hits(ruleset, article, gate))


def _mentions(patterns: Sequence[Pattern], analysis: Analysis) -> bool:
    """Whether a sentence of the article matches one of ``patterns`` (a story's ``[relevance] requires``)."""
    return any(
        p.possible(s.words) and any(p.regex.search(v.stream) for v in s.views)
        for s in analysis.sentences
        for p in patterns
    )


def claims_from_hits(ruleset: RuleSet, article: Article, hits: Iterable[Hit]) -> list[Claim]:
    """One claim per key: the most confident hit, the first in the article on a tie.

    A headline that says what the body says gives way to the body's sentence,
    which is the fuller evidence.

    A subject outside its fact's ``subjects`` gives no claim. For a fact marked
    ``collect`` (a list such as demands named one by one) the claim holds every
    item of every kept hit, sorted, with the first hit's sentence as evidence.
    """
    specs = {f.attribute: f for f in ruleset.facts}
    kept: dict[str, Claim] = {}
    from_title: set[str] = set()
    for hit in hits:
        if hit.dropped is not None or hit.frame.fill_only:
            continue
        spec = specs.get(hit.frame.attribute)
        for subject in hit.subjects:
            if spec is not None and spec.subjects is not None and subject not in spec.subjects:
                continue
            claim = Claim(
                ruleset.topic,
                subject,
                hit.frame.attribute,
                hit.value,
                hit.sentence.text,
                hit.confidence,
                extractor=ruleset.extractor,
                article=article.id,
            )
            before = kept.get(claim.key)
            if before is not None and hit.frame.attribute in ruleset.collect:
                items = sorted({*before.value, *claim.value})
                kept[claim.key] = Claim(
                    claim.topic,
                    subject,
                    claim.attribute,
                    items,
                    before.evidence,
                    max(before.confidence, claim.confidence),
                    extractor=claim.extractor,
                    article=article.id,
                )
            elif (
                before is None
                or claim.confidence > before.confidence
                or (
                    claim.key in from_title
                    and hit.sentence.part != "title"
                    and claim.confidence == before.confidence
                    and claim.value == before.value
                )
            ):
                kept[claim.key] = claim
                if hit.sentence.part == "title":
                    from_title.add(claim.key)
                else:
                    from_title.discard(claim.key)
    return list(kept.values())


_DEFAULT = Engine()


def default_engine() -> Engine:
    """The engine the bundled stories and TOML stories share in this process."""
    return _DEFAULT


class RuleExtractor(Extractor):
    """An extractor made of one rule set, run on the shared engine."""

    def __init__(self, ruleset: RuleSet, engine: Engine | None = None) -> None:
        self.ruleset = ruleset
        self.name = ruleset.extractor
        self.facts = ruleset.facts
        self.engine = engine or default_engine()
        self.engine.add(ruleset)

    def extract_claims(self, article: Article) -> list[Claim]:
        return self.engine.claims(self.ruleset, article)

    def explain(self, article: Article) -> list[Hit]:
        return self.engine.hits(self.ruleset, article)


def _claim_text(claim: Claim) -> str:
    value = claim.value if isinstance(claim.value, str) else json.dumps(claim.value, sort_keys=True)
    return f"{claim.subject}={value}"


def _expected(text: str) -> str:
    subject, _, value = text.partition("=")
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        return text
    return f"{subject}={value if isinstance(parsed, str) else json.dumps(parsed, sort_keys=True)}"


def check_examples(ruleset: RuleSet, engine: Engine | None = None) -> list[str]:
    """Run every example of ``ruleset``; one line per example that does not read as it says."""
    engine = engine or Engine()
    if ruleset not in engine._rulesets:
        engine.add(ruleset)
    problems = []
    for ex in ruleset.examples:
        problem = _check(engine, ruleset, ex)
        if problem:
            problems.append(f"{ex.where}: {problem}")
    return problems


def _check(engine: Engine, ruleset: RuleSet, ex: Example) -> str | None:
    article = Article(id=f"example:{hash(ex.text)}", title="", text=ex.text)
    if ex.concept is not None:
        concept = ruleset.concepts[ex.concept]
        analysis = engine.analyse(article)
        found = any(
            re.search(r"(?<= )" + concept.regex() + r"(?= )", v.stream)
            for s in analysis.sentences
            for v in s.views
        )
        return None if found else f"{ex.text!r} does not match the concept"
    if ex.category is not None:
        analysis = engine.analyse(article)
        rules = [r for r in ruleset.contexts if r.category == ex.category]
        found = any(cues_in(v, s.words, rules) for s in analysis.sentences for v in s.views)
        if found != ex.matches:
            return f"{ex.text!r} {'does not hold' if ex.matches else 'holds'} a {ex.category} cue"
        return None
    claims = [c for c in engine.claims(ruleset, article, gate=False) if c.attribute == ex.attribute]
    got = sorted(_claim_text(c) for c in claims)
    want = sorted(_expected(c) for c in ex.claims or ())
    return None if got == want else f"{ex.text!r} reads {got or 'nothing'}, expected {want or 'nothing'}"


def explain_lines(hits: Sequence[Hit]) -> list[str]:
    """Human-readable lines for ``--explain``: each hit, kept or dropped, with its cues."""
    out = []
    for hit in hits:
        state = "kept" if hit.dropped is None else f"dropped: {hit.dropped}"
        subjects = ",".join(hit.subjects) or "-"
        cues = f" [{'; '.join(hit.cues)}]" if hit.cues else ""
        out.append(
            f"{hit.frame.name}: {subjects} {hit.frame.attribute}={hit.value!r} ({state}){cues} <- {hit.matched!r}"
        )
    return out
