"""Tagging speed: words/s of spaCy's bare tokenizer vs full tagging with the built-in pipeline.

    python bench/bench_tagging.py [--seeds ../shared/seeds] [--min-words 500000] [--workers 1]

Splits the seed documents into paragraphs at blank lines, groups short lines with
the paragraph that follows (as ingest does), repeats the passages until the
corpus has at least --min-words words (str.split), and times
  1. spaCy's bare nb tokenizer (`spacy.blank("nb")`, nlp.pipe),
  2. the built-in pipeline (abbreviations, sentences, simplemma lemmas),
  3. full tagging: pipeline + codebook matching + passage labels (RuleLabeller),
each with nlp.pipe(batch_size=256).  Target: full tagging ≥ 100k words/s on
2 cores and within 3× of the bare tokenizer.  Rates are printed for wall-clock
and for CPU time of this process; the tokenizer and pipeline rows always run
in one process, full tagging with --workers processes (then read its
wall-clock column: the CPU column counts only the parent).
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

import spacy

from lhl_mining.nlp.pipeline import load_pipeline, pipeline_id
from lhl_mining.nlp.rules import RuleLabeller

HERE = Path(__file__).resolve().parent
DEFAULT_SEEDS = HERE.parent.parent / "shared" / "seeds"


def paragraphs_to_passages(paragraphs: list[str], min_words: int = 6, max_words: int = 250) -> list[str]:
    """Group paragraphs like ingest does: a short line (heading, «Vedtak:») joins what follows, ≤ 250 words."""
    passages: list[str] = []
    pending = ""
    for paragraph in paragraphs:
        text = f"{pending}\n\n{paragraph}" if pending else paragraph
        if len(text.split()) < min_words:
            pending = text
            continue
        pending = ""
        if passages and len(passages[-1].split()) < min_words * 3 and len((passages[-1] + text).split()) <= max_words:
            passages[-1] = f"{passages[-1]}\n\n{text}"
        else:
            passages.append(text)
    if pending:
        passages.append(pending)
    return passages


def corpus(seeds: Path, min_words: int) -> tuple[list[str], int, int]:
    passages = []
    for path in sorted(seeds.glob("*.txt")):
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")) if p.strip()]
        passages += paragraphs_to_passages(paragraphs)
    words_once = sum(len(p.split()) for p in passages)
    repeat = -(-min_words // words_once)
    return passages * repeat, words_once * repeat, len(passages)


def timed(label: str, words: int, run) -> float:
    """Run once; print wall-clock and CPU-time words/s (CPU time is what counts when others share the cores)."""
    cpu_start, start = time.process_time(), time.perf_counter()
    run()
    cpu, seconds = time.process_time() - cpu_start, time.perf_counter() - start
    print(f"{label:<52}{seconds:>7.2f} s{words / seconds:>11,.0f} words/s   cpu {cpu:>6.2f} s{words / cpu:>11,.0f} words/s")
    return words / cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS)
    parser.add_argument("--min-words", type=int, default=500_000)
    parser.add_argument("--workers", type=int, default=1, help="worker processes for full tagging (as lhl tag --workers)")
    parser.add_argument("--batch-size", type=int, default=256)
    args = parser.parse_args()

    texts, words, n_once = corpus(args.seeds, args.min_words)
    once, words_once = texts[:n_once], sum(len(t.split()) for t in texts[:n_once])
    print(f"corpus: {len(texts):,} passages, {words:,} words, {words / len(texts):.0f} words/passage "
          f"(seeds in {args.seeds}, {words // words_once}× {words_once:,} words), workers={args.workers}")

    def consume(iterable) -> None:
        for _ in iterable:
            pass

    print("cold: fresh objects, one copy of the seeds (caches empty, as on a new corpus)")
    bare, nlp, labeller = spacy.blank("nb"), load_pipeline("builtin"), RuleLabeller(model="builtin")
    cold_tokenizer = timed("  bare tokenizer (spacy.blank nb)", words_once, lambda: consume(bare.pipe(once)))
    timed(f"  pipeline {pipeline_id(nlp)}", words_once, lambda: consume(nlp.pipe(once)))
    cold_tagging = timed("  full tagging (pipeline + codebook + labels)", words_once,
                         lambda: consume(labeller.label_stream(once, batch_size=args.batch_size)))
    print(f"  ratio tokenizer / full tagging (CPU time): {cold_tokenizer / cold_tagging:.2f}×")

    print(f"whole corpus ({words:,} words; tokenizer and lemma caches warm after the first copy)")
    bare, nlp, labeller = spacy.blank("nb"), load_pipeline("builtin"), RuleLabeller(model="builtin")
    tokenizer_rate = timed("  bare tokenizer (spacy.blank nb)", words, lambda: consume(bare.pipe(texts, batch_size=256)))
    timed(f"  pipeline {pipeline_id(nlp)}", words, lambda: consume(nlp.pipe(texts, batch_size=256)))
    tagging_rate = timed(f"  full tagging, {args.workers} process(es)", words,
                         lambda: consume(labeller.label_stream(texts, batch_size=args.batch_size,
                                                               n_process=args.workers)))
    if args.workers > 1:
        print("with worker processes only the wall-clock rate of full tagging is meaningful")
        return
    print(f"  ratio tokenizer / full tagging (CPU time): {tokenizer_rate / tagging_rate:.2f}× (target ≤ 3×); "
          f"full tagging {tagging_rate:,.0f} words/s per process (target ≥ 100,000)")

if __name__ == "__main__":
    main()
