"""Tagging speed: words/s of spaCy's bare tokenizer vs full tagging with the built-in pipeline.

    python bench/bench_tagging.py [--seeds ../shared/seeds] [--min-words 500000] [--workers 1] [--runs 5]

The seed documents are cut into paragraphs at blank lines and grouped like
ingest groups them (a short line joins the paragraph that follows).  Three
things are timed, each with fresh objects:

  1. spaCy's bare nb tokenizer (`spacy.blank("nb")`),
  2. the built-in pipeline alone (abbreviations, sentences, simplemma lemmas; `nlp.pipe`),
  3. full tagging: pipeline + codebook matching + passage labels (`RuleLabeller.label_stream`),
  4. the default path of `lhl tag`: full tagging plus the shipped starter model's framing
     (`make_labeller()`: the model's lemmas, TF-IDF rows and matrix products on top of 3).

**Cold** (the target measure): one pass over the distinct seed text, each run
in a new process whose caches (spaCy's tokenizer cache and vocabulary,
simplemma's lemma cache, the labeller's per-word caches) have never seen the
text, as on a new corpus; the median of --runs runs.
**Whole corpus**: the passages repeated to ≥ --min-words words.  From the
second copy on every word is in every cache, and spaCy's tokenizer then
returns whole cached token sequences from C, so the ratio there compares
unlike work; it shows the steady state of tagging, not the target.

Startup (loading the pipeline, the codebook and simplemma's dictionaries) is
timed separately.  Wall-clock and CPU time of the measuring process are
printed; on a shared machine CPU time is the steadier number, and the ratio
is only meaningful between rows of the same run.  Target: full tagging cold
≥ 100k words/s on one core and at most 3× the bare tokenizer's time.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import spacy

from lhl_mining.nlp.classify import make_labeller, start_up_frozen
from lhl_mining.nlp.pipeline import _simplemma_lemma, load_pipeline
from lhl_mining.nlp.rules import RuleLabeller

HERE = Path(__file__).resolve().parent
DEFAULT_SEEDS = HERE.parent.parent / "shared" / "seeds"
LABEL_WIDTH = 58


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
    """(passages repeated to ≥ min_words words, their word count, number of distinct passages)."""
    passages = []
    for path in sorted(seeds.glob("*.txt")):
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")) if p.strip()]
        passages += paragraphs_to_passages(paragraphs)
    words_once = sum(len(p.split()) for p in passages)
    repeat = -(-min_words // words_once)
    return passages * repeat, words_once * repeat, len(passages)


def consume(items: Iterable) -> None:
    for _ in items:
        pass


ROWS = ("tokenizer", "pipeline", "tagging", "default")
ROW_LABELS = {
    "tokenizer": "bare tokenizer (spacy.blank nb)",
    "pipeline": "pipeline (tokenizer, sentences, lemmas)",
    "tagging": "full tagging (pipeline + codebook + labels)",
    "default": "default path (full tagging + the starter's framing)",
}


def measure(row: str, texts: list[str], batch_size: int, workers: int) -> dict:
    """Build the row's objects (startup), then time one pass over `texts` (this process has seen no text)."""
    start = time.perf_counter()
    if row == "tokenizer":
        nlp = spacy.blank("nb")

        def run():
            return consume(nlp.pipe(texts, batch_size=batch_size))
    elif row == "pipeline":
        nlp = load_pipeline("builtin")

        def run():
            return consume(nlp.pipe(texts, batch_size=batch_size))
    elif row == "tagging":
        labeller = RuleLabeller(model="builtin")

        def run():
            return consume(labeller.label_stream(texts, batch_size=batch_size, n_process=workers))
    else:
        combined = make_labeller("builtin")

        def run():
            return consume(combined.label_stream(texts, batch_size=batch_size))

    _simplemma_lemma("qqxqzz")  # opens the Bokmål and Nynorsk dictionaries; no word of the text is cached
    startup = time.perf_counter() - start
    cpu_start, start = time.process_time(), time.perf_counter()
    with start_up_frozen():  # as `lhl tag` and `lhl classify` run (every row alike)
        run()
    return {"startup": startup, "wall": time.perf_counter() - start, "cpu": time.process_time() - cpu_start}


def in_fresh_process(args: argparse.Namespace, row: str, whole: bool, workers: int = 1) -> dict:
    """Run `measure` in a new interpreter: no cache has seen the text, and no memory is shared with this one."""
    command = [
        sys.executable,
        __file__,
        "--seeds",
        str(args.seeds),
        "--min-words",
        str(args.min_words),
        "--batch-size",
        str(args.batch_size),
        "--workers",
        str(workers),
        "--measure",
        row,
    ]
    done = subprocess.run(command + (["--whole"] if whole else []), capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def show(label: str, words: int, wall: float, cpu: float) -> None:
    print(
        f"  {label:<{LABEL_WIDTH}}{wall:>6.2f} s{words / wall:>11,.0f} words/s   "
        f"cpu {cpu:>5.2f} s{words / cpu:>11,.0f} words/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS)
    parser.add_argument("--min-words", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=5, help="cold runs per row (the median is shown)")
    parser.add_argument(
        "--workers", type=int, default=1, help="also tag the whole corpus with N processes (lhl tag --workers)"
    )
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--measure", choices=ROWS, help=argparse.SUPPRESS)
    parser.add_argument("--whole", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    texts, words, n_once = corpus(args.seeds, args.min_words)
    once = texts[:n_once]
    if args.measure:
        print(json.dumps(measure(args.measure, texts if args.whole else once, args.batch_size, args.workers)))
        return
    words_once = sum(len(t.split()) for t in once)
    print(
        f"corpus: {n_once:,} distinct passages, {words_once:,} words, {words_once / n_once:.0f} words/passage "
        f"(seeds in {args.seeds}); whole corpus {len(texts):,} passages, {words:,} words "
        f"({words // words_once} copies)"
    )

    print(f"cold: one pass over the distinct seed text, each run in a new process; median of {args.runs} runs")
    cold: dict[str, list[dict]] = {row: [] for row in ROWS}
    for _ in range(args.runs):
        for row in ROWS:  # interleaved, so a change in machine load touches every row alike
            cold[row].append(in_fresh_process(args, row, whole=False))
    median = {
        row: {key: statistics.median(run[key] for run in runs) for key in ("startup", "wall", "cpu")}
        for row, runs in cold.items()
    }
    for row in ROWS:
        show(ROW_LABELS[row], words_once, median[row]["wall"], median[row]["cpu"])
    ratio = median["tagging"]["cpu"] / median["tokenizer"]["cpu"]
    print(
        f"  full tagging takes {ratio:.2f}× the bare tokenizer's CPU time (target ≤ 3×); "
        f"{words_once / median['tagging']['cpu']:,.0f} words/s per process (target ≥ 100,000)"
    )
    default = median["default"]["cpu"]
    print(
        f"  the default path takes {default / median['tokenizer']['cpu']:.2f}× the bare tokenizer's CPU time; "
        f"{words_once / default:,.0f} words/s per process"
    )
    print(
        f"  startup (not in the rates): labeller {median['tagging']['startup']:.2f} s "
        f"(pipeline, codebook, lemma dictionaries), default path {median['default']['startup']:.2f} s"
    )

    print(
        f"whole corpus: {words:,} words, one pass in a new process; from the second copy on the text is served "
        "from every cache (spaCy's tokenizer cache too), so this ratio is not like for like"
    )
    whole = {row: in_fresh_process(args, row, whole=True) for row in ("tokenizer", "tagging")}
    for row, result in whole.items():
        show(ROW_LABELS[row], words, result["wall"], result["cpu"])
    print(
        f"  full tagging takes {whole['tagging']['cpu'] / whole['tokenizer']['cpu']:.2f}× the bare tokenizer's CPU time"
    )
    if args.workers > 1:
        result = in_fresh_process(args, "tagging", whole=True, workers=args.workers)
        show(f"full tagging, {args.workers} worker processes (read wall-clock)", words, result["wall"], result["cpu"])
        print(
            "  (workers are forked copies of the labeller; their labels come back pickled to this process, "
            "whose CPU time is the one shown)"
        )


if __name__ == "__main__":
    main()
