"""Extraction speed: articles per second through the three story extractors.

Builds typical ~800-word articles from the baseline article, the dev cases (if
the shared folder is beside the project) and filler news text, each one
different so no cache is hit twice, then times every extractor on all of them.

    python bench/bench_extract.py [--articles 300] [--words 800]
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from monitor_plugins.coalition import CoalitionExtractor
from monitor_plugins.russia import RussiaExtractor
from monitor_plugins.us_guarantees import UsGuaranteesExtractor

from monitor.testing import make_article
from monitor.text import split_sentences

ROOT = Path(__file__).resolve().parents[1]
FILLER = """
The central bank held interest rates steady on Thursday, citing sticky services inflation and a cooling labour market.
Shares in European carmakers fell after the company cut its profit forecast for the second time this year.
Heavy rain caused flooding across the region, and emergency services evacuated hundreds of residents overnight.
The home side scored twice in the final ten minutes to win the derby and move level on points with the leaders.
Officials said the new rail line would open next spring, two years later than planned and well over budget.
The company said it would invest 2 billion euros in a battery plant and hire about 3,000 workers by 2028.
Lawmakers debated the budget late into the night before approving it by a narrow margin of six votes.
A spokesman for the ministry declined to comment on the report, which cited people familiar with the talks.
Temperatures are forecast to rise above 30 degrees Celsius by the weekend, the weather service said.
Researchers published a study showing that the drug reduced hospital admissions by a quarter in older patients.
The festival drew more than 200,000 visitors over four days, organisers said, a record for the event.
Negotiators from both unions said they were close to a deal on pay but that several issues remained open.
"""


def corpus() -> list[str]:
    texts = [
        (ROOT / "plugins" / "coalition_story" / "baseline-2025-09-04-paris-coalition-summit.txt").read_text(
            encoding="utf-8"
        )
    ]
    dev = ROOT.parent / "shared" / "eval" / "dev"
    texts += [p.read_text(encoding="utf-8") for p in sorted(dev.glob("*.txt"))] if dev.is_dir() else []
    texts.append(FILLER)
    return [s for text in texts for s in split_sentences(text)]


def build_articles(count: int, words: int, seed: int = 7) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    sentences = corpus()
    articles = []
    for i in range(count):
        body: list[str] = []
        while sum(len(s.split()) for s in body) < words:
            body.append(rng.choice(sentences))
        paragraphs = [" ".join(body[j : j + 4]) for j in range(0, len(body), 4)]
        title = f"{rng.choice(sentences)[:90]} ({i})"
        articles.append((title, "\n\n".join(paragraphs) + f"\n\nStory {i}."))
    return articles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--words", type=int, default=800)
    args = parser.parse_args()
    articles = [make_article(text, title) for title, text in build_articles(args.articles, args.words)]
    extractors = [CoalitionExtractor(), UsGuaranteesExtractor(), RussiaExtractor()]
    average = sum(len(a.text.split()) for a in articles) / len(articles)
    per_extractor = dict.fromkeys((e.name for e in extractors), 0.0)
    claims = 0
    started = time.perf_counter()
    for article in articles:
        for extractor in extractors:
            t0 = time.perf_counter()
            claims += len(extractor.extract_claims(article))
            per_extractor[extractor.name] += time.perf_counter() - t0
    elapsed = time.perf_counter() - started
    print(f"{len(articles)} articles of ~{average:.0f} words, {claims} claims, {elapsed:.2f} s")
    for name, seconds in per_extractor.items():
        print(f"  {name:14s} {len(articles) / seconds:8.1f} articles/s")
    print(f"all three extractors: {len(articles) / elapsed:.1f} articles/s")


if __name__ == "__main__":
    main()
