"""Recall and precision of the scrape pre-filter (codebook `prefilter:`) on labelled agenda titles.

    python bench/bench_prefilter.py

`tests/data/prefilter_titles.yaml` labels every agenda title in the real portal
captures (../shared/real/portal_captures, read in place by the tests), titles
written for the gaps alongside the vocabulary, and titles written afterwards
(`heldout`, first measured without changes: see docs/scraping.md).  Prints recall, precision and the titles decided wrongly
per set; tests/test_scrape_prefilter.py pins recall ≥ 0.95 at precision ≥ 0.6.
"""

from __future__ import annotations

import time
from pathlib import Path

import yaml

from lhl_mining.prefilter import default_prefilter

LABELS = Path(__file__).resolve().parents[1] / "tests" / "data" / "prefilter_titles.yaml"


def main() -> None:
    labels = yaml.safe_load(LABELS.read_text(encoding="utf-8"))
    rules = default_prefilter()
    for part in ("real", "written", "heldout", "all"):
        entries = labels["real"] + labels["written"] + labels["heldout"] if part == "all" else labels[part]
        started = time.perf_counter()
        decided = [(e, rules.title(e["title"]).relevant) for e in entries]
        elapsed = time.perf_counter() - started
        tp = sum(got and e["relevant"] for e, got in decided)
        fp = sum(got and not e["relevant"] for e, got in decided)
        fn = sum(e["relevant"] and not got for e, got in decided)
        positives = tp + fn
        print(
            f"{part:8} {len(entries):4} titles ({positives} relevant): recall {tp / positives:.3f}, "
            f"precision {tp / (tp + fp):.3f}, {1000 * elapsed / len(entries):.2f} ms/title"
        )
        for entry, got in decided:
            if got != entry["relevant"]:
                print(f"         {'false hit' if got else 'missed'}: {entry['title']}")


if __name__ == "__main__":
    main()
