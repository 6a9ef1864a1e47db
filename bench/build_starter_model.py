"""Rebuild the shipped starter model from ../shared/data/gold_train.jsonl (read in place, never copied).

    python bench/build_starter_model.py [--gold PATH] [--name starter]

Writes models/<name>.joblib and models/<name>.json (replacing an earlier build
of the same name, which is the point of this script) and prints the
cross-validated metrics.  The build is deterministic: the same gold file,
codebook and scikit-learn version give the same model.  gold_dev.jsonl is never
used here: it is held out for bench/eval_model.py and the evaluation gate.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from lhl_mining.learn.dataset import read_gold
from lhl_mining.learn.labellers import default_rule_labeller
from lhl_mining.learn.train import train_model

REPO = Path(__file__).resolve().parents[1]
DEFAULT_GOLD = REPO.parent / "shared" / "data" / "gold_train.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    parser.add_argument("--name", default="starter")
    parser.add_argument("--models-dir", type=Path, default=REPO / "models")
    args = parser.parse_args()
    if "dev" in args.gold.name:
        parser.error("the starter model must not be trained on the development set")
    passages = read_gold(args.gold)
    for suffix in (".joblib", ".json"):
        (args.models_dir / f"{args.name}{suffix}").unlink(missing_ok=True)
    trained = train_model(
        passages, name=args.name, models_dir=args.models_dir, rules=default_rule_labeller(),
        source=f"gold:{args.gold.name}", progress=print,
    )
    meta = trained.meta
    print(f"{args.name}: {meta['n_passages']} passages, {meta['n_features']} features, "
          f"{meta['file_bytes'] / 1e6:.2f} MB, {meta['train_seconds']:.1f} s, codebook {meta['codebook_version']}")
    for who in ("rules", "model", "combined"):
        s = meta["cross_validation"][who]["summary"]
        print(f"  cross-validated {who:<9} reform F1 {s['reform_f1']:.3f}  areas micro-F1 {s['areas_micro_f1']:.3f}"
              f"  framing macro-F1 {s['framing_macro_f1']:.3f}")


if __name__ == "__main__":
    main()
