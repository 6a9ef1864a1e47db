"""`lhl classify` end to end against spaCy's bare nb tokenizer on the same texts, in the same run.

    python bench/bench_classify.py [--seeds ../shared/seeds] [--words 300000] [--runs 3]

The seed documents are cut into ingest-like passages (bench_tagging's
grouping) and repeated to ≥ --words words, written as a JSONL file.  Timed,
interleaved, --runs times each (median shown):

  1. `lhl classify -i FILE -o OUT` with default settings, a new process, start-up included;
  2. the bare tokenizer: `spacy.blank("nb").pipe(texts)` over the same texts in a new process,
     end to end (interpreter, spaCy import, reading the JSONL, tokenizing) and the tokenizing
     loop alone;
  3. start-up: `lhl classify` on one line in, one line out.

Target: (1) ≤ 3× (2) end to end, and (3) under 2 s.  The tokenizing loop
alone is printed too: classify's start-up (about 0.9–1.1 s: the interpreter
and CLI, spaCy's import, the pipeline and codebook; see docs/nlp.md) is most
of the gap to it.  Classify reads its dictionary and codebook caches from the
user cache directory; the first run after an install builds them, so run the
bench twice or after any `lhl classify`.  The machine is shared: only ratios
within one run mean anything.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_tagging import DEFAULT_SEEDS, corpus  # noqa: E402

LHL = [sys.executable, "-c", "import sys; from lhl.cli import app; sys.argv[0] = 'lhl'; app()"]
TOKENIZE = """
import json, sys, time
import spacy
texts = [json.loads(line)["text"] for line in open(sys.argv[1], encoding="utf-8")]
nlp = spacy.blank("nb")
start = time.perf_counter()
for _ in nlp.pipe(texts, batch_size=256):
    pass
print(time.perf_counter() - start)
"""


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS)
    parser.add_argument("--words", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("classify_args", nargs="*", help="extra `lhl classify` options (default: none)")
    args = parser.parse_args()
    texts, words, distinct = corpus(args.seeds, args.words)
    with tempfile.TemporaryDirectory() as tmp:
        data, out, one = Path(tmp, "in.jsonl"), Path(tmp, "out.jsonl"), Path(tmp, "one.jsonl")
        data.write_text(
            "".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n" for i, t in enumerate(texts)),
            encoding="utf-8",
        )
        one.write_text(json.dumps({"id": 1, "text": texts[0]}, ensure_ascii=False) + "\n", encoding="utf-8")
        classify = [*LHL, "classify", "-i", str(data), "-o", str(out), "--force", *args.classify_args]
        rows: dict[str, list[float]] = {"classify": [], "tokenizer": [], "tokenizer_loop": [], "startup": []}
        for _ in range(args.runs):
            rows["classify"].append(timed(classify))
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", TOKENIZE, str(data)], check=True, capture_output=True, text=True
            )
            rows["tokenizer"].append(time.perf_counter() - start)
            rows["tokenizer_loop"].append(float(done.stdout))
            rows["startup"].append(
                timed([*LHL, "classify", "-i", str(one), "-o", str(out), "--force", *args.classify_args])
            )
    median = {row: statistics.median(values) for row, values in rows.items()}
    print(
        f"corpus: {len(texts):,} passages ({distinct:,} distinct), {words:,} words, seeds in {args.seeds}; "
        f"median of {args.runs} interleaved runs (wall-clock, shared machine)"
    )
    print(
        f"  lhl classify {' '.join(args.classify_args) or '(default settings)'}, end to end: "
        f"{median['classify']:6.2f} s  {words / median['classify']:>9,.0f} words/s"
    )
    print(
        f"  bare tokenizer spacy.blank('nb').pipe, end to end: {median['tokenizer']:6.2f} s  "
        f"{words / median['tokenizer']:>9,.0f} words/s"
    )
    print(
        f"  bare tokenizer, the tokenizing loop alone:         {median['tokenizer_loop']:6.2f} s  "
        f"{words / median['tokenizer_loop']:>9,.0f} words/s"
    )
    print(
        f"  ratio end to end {median['classify'] / median['tokenizer']:.2f}× (target ≤ 3×), to the loop alone "
        f"{median['classify'] / median['tokenizer_loop']:.2f}×; start-up, one line in and out: "
        f"{median['startup']:.2f} s (target < 2 s)"
    )


if __name__ == "__main__":
    main()
