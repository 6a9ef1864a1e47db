"""Score `lhl classify` output against a gold JSONL and gate on pinned floors.

    python bench/eval_classify.py                         # classify ../shared/data/gold_dev.jsonl, rules only
    python bench/eval_classify.py --predictions out.jsonl # score an existing `lhl classify` output
    lhl classify -i gold.jsonl --rules-only | python bench/eval_classify.py --gold gold.jsonl --predictions -

Prints per-code precision/recall/F1, areas micro-F1, framing macro-F1 and the
framing confusion matrix, then compares the headline numbers with the floors
in bench/eval_baseline.json and exits 1 when one falls below its floor.
Pass --show-errors to list the passages whose labels differ from gold.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from lhl_mining.nlp.evaluate import format_report, read_jsonl, score

HERE = Path(__file__).resolve().parent
DEFAULT_GOLD = HERE.parent.parent / "shared" / "data" / "gold_dev.jsonl"
DEFAULT_BASELINE = HERE / "eval_baseline.json"


def classify_with_cli(gold_path: Path, extra: list[str]) -> list[dict]:
    """Run `lhl classify` on the gold texts, exactly as a user would."""
    lines = "".join(json.dumps({"id": g["id"], "text": g["text"]}, ensure_ascii=False) + "\n"
                    for g in read_jsonl(gold_path))
    command = [sys.executable, "-c", "import sys; from lhl.cli import app; sys.argv[0] = 'lhl'; app()"]
    done = subprocess.run([*command, "classify", *extra], input=lines.encode("utf-8"), capture_output=True, check=True)
    return [json.loads(line) for line in done.stdout.decode("utf-8").splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    parser.add_argument("--predictions", help="`lhl classify` output (JSONL file or -); default: run it now")
    parser.add_argument("--baseline", type=Path, default=DEFAULT_BASELINE)
    parser.add_argument("--model", default="auto", help="--model for `lhl classify`")
    parser.add_argument("--with-trained", action="store_true", help="let classify combine a trained model")
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args(argv)

    gold = read_jsonl(args.gold)
    if args.predictions == "-":
        predicted = [json.loads(line) for line in sys.stdin if line.strip()]
    elif args.predictions:
        predicted = read_jsonl(args.predictions)
    else:
        extra = ["--model", args.model] + ([] if args.with_trained else ["--rules-only"])
        predicted = classify_with_cli(args.gold, extra)
    result = score(gold, predicted)
    print(f"gold: {args.gold}")
    print(format_report(result))
    if args.show_errors:
        print("\npassages with differing labels:")
        for error in result["errors"]:
            print(f"  {error['id']}: gold {error['gold']} predicted {error['predicted']}")

    baseline = json.loads(args.baseline.read_text(encoding="utf-8"))
    floors = baseline["floors_train"] if args.gold.name == "gold_train.jsonl" else baseline["floors"]
    failed = [f"{name} {result[name]:.3f} < floor {floor:.3f}" for name, floor in floors.items() if result[name] < floor]
    print()
    if failed:
        print("BELOW FLOOR: " + "; ".join(failed))
        return 1
    print("all floors met: " + ", ".join(f"{name} ≥ {floor}" for name, floor in floors.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
