"""Score `lhl classify` output against gold JSONL and gate on the pinned floors.

    python bench/eval_classify.py                         # default classify on all three gold files (538)
    python bench/eval_classify.py --gold ../shared/data/gold_train_2.jsonl   # one file: report only
    python bench/eval_classify.py --predictions out.jsonl # score an existing `lhl classify` output
    lhl classify -i gold.jsonl | python bench/eval_classify.py --gold gold.jsonl --predictions -

Prints per-code precision/recall/F1, areas micro-F1, framing macro-F1 and the
framing confusion matrix.  On the default gold (all 538 passages) it compares
the headline numbers with the floors in bench/eval_baseline.json (the lower
ends of bench/cv_eval.py's intervals) and exits 1 when one falls below.
Pass --show-errors to list the passages whose labels differ from gold; the
intervals, per-class and bokmål/nynorsk numbers come from bench/cv_eval.py.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from lhl_mining.nlp.evaluate import format_report, read_jsonl, score

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "shared" / "data"
DEFAULT_GOLD = [DATA / name for name in ("gold_train.jsonl", "gold_train_2.jsonl", "gold_dev.jsonl")]
DEFAULT_BASELINE = HERE / "eval_baseline.json"


def classify_with_cli(gold: list[dict], extra: list[str]) -> list[dict]:
    """Run `lhl classify` on the gold texts (with their doc_type), exactly as a user would."""
    lines = "".join(
        json.dumps({k: g[k] for k in ("id", "text", "doc_type") if g.get(k)}, ensure_ascii=False) + "\n" for g in gold
    )
    command = [sys.executable, "-c", "import sys; from lhl.cli import app; sys.argv[0] = 'lhl'; app()"]
    done = subprocess.run([*command, "classify", *extra], input=lines.encode("utf-8"), capture_output=True, check=True)
    return [json.loads(line) for line in done.stdout.decode("utf-8").splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, nargs="+", default=DEFAULT_GOLD)
    parser.add_argument("--predictions", help="`lhl classify` output (JSONL file or -); default: run it now")
    parser.add_argument("--baseline", type=Path, default=DEFAULT_BASELINE)
    parser.add_argument("--model", default="auto", help="--model for `lhl classify`")
    parser.add_argument("--rules-only", action="store_true", help="pass --rules-only to classify")
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args(argv)

    gold = [item for path in args.gold for item in read_jsonl(path)]
    if args.predictions == "-":
        predicted = [json.loads(line) for line in sys.stdin if line.strip()]
    elif args.predictions:
        predicted = read_jsonl(args.predictions)
    else:
        extra = ["--model", args.model] + (["--rules-only"] if args.rules_only else [])
        predicted = classify_with_cli(gold, extra)
    result = score(gold, predicted)
    print("gold: " + ", ".join(path.name for path in args.gold))
    print(format_report(result))
    if args.show_errors:
        print("\npassages with differing labels:")
        for error in result["errors"]:
            print(f"  {error['id']}: gold {error['gold']} predicted {error['predicted']}")

    if sorted(args.gold) != sorted(DEFAULT_GOLD):
        return 0  # the floors are for all labelled passages together
    floors = json.loads(args.baseline.read_text(encoding="utf-8"))["floors"]
    failed = [
        f"{name} {result[name]:.3f} < floor {floor:.3f}" for name, floor in floors.items() if result[name] < floor
    ]
    print()
    if failed:
        print("BELOW FLOOR: " + "; ".join(failed))
        return 1
    print("all floors met: " + ", ".join(f"{name} ≥ {floor}" for name, floor in floors.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
