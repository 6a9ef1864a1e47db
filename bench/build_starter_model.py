"""Rebuild the shipped starter model from all labelled passages in ../shared/data (read in place, never copied).

    python bench/build_starter_model.py [--gold PATH ...] [--name starter]

Learns from gold_train, gold_train_2 and gold_dev (538 passages; no file is
held out: bench/cv_eval.py --learned measures the learned layer out of fold,
grouped by URL).  Writes models/<name>.joblib and models/<name>.json
(replacing an earlier build of the same name, which is the point of this
script) and prints the cross-validated metrics.  The build is deterministic:
the same gold files, codebook and scikit-learn version give the same model.
By default the shipped blend leaves every decision to the rules, so `lhl
classify`/`lhl tag` do not load it (the model still shades the scores the
review queue orders by, under `--trained starter`): `bench/cv_eval.py
--learned` showed no out-of-fold gain beyond noise for the blend `lhl train`
chooses on these passages (grouped by URL; docs/learning.md).  `--keep-blend`
ships the chosen blend instead, for when that evaluation shows a gain.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from lhl_mining.learn.dataset import read_gold
from lhl_mining.learn.files import decides_anything, save_model
from lhl_mining.learn.labellers import default_rule_labeller
from lhl_mining.learn.model import BINARY_CODES, Blend
from lhl_mining.learn.train import build_model

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
DEFAULT_GOLD = [DATA / name for name in ("gold_train.jsonl", "gold_train_2.jsonl", "gold_dev.jsonl")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, nargs="+", default=DEFAULT_GOLD)
    parser.add_argument("--name", default="starter")
    parser.add_argument("--models-dir", type=Path, default=REPO / "models")
    parser.add_argument("--keep-blend", action="store_true", help="ship the blend lhl train chose (see above)")
    args = parser.parse_args()
    passages = [passage for path in args.gold for passage in read_gold(path)]
    for suffix in (".joblib", ".json"):
        (args.models_dir / f"{args.name}{suffix}").unlink(missing_ok=True)
    trained = build_model(
        passages,
        name=args.name,
        rules=default_rule_labeller(),
        source="gold:" + "+".join(path.name for path in args.gold),
        progress=print,
    )
    meta = trained.meta
    if not args.keep_blend:
        meta["blend_chosen_by_cv"] = meta["blend"]
        trained.blend = Blend({code: 1.0 for code in BINARY_CODES}, {code: 0.5 for code in BINARY_CODES}, 1.0)
        meta["blend"] = trained.blend.as_dict()
        meta["blend_note"] = (
            "rules keep every decision: bench/cv_eval.py --learned (3x5-fold CV grouped by URL) "
            "showed no out-of-fold gain beyond noise"
        )
    save_model(trained, args.models_dir)
    print(
        f"{args.name}: {meta['n_passages']} passages, {meta['n_features']} features, "
        f"{meta['file_bytes'] / 1e6:.2f} MB, {meta['train_seconds']:.1f} s, codebook {meta['codebook_version']}"
    )
    for who in ("rules", "model", "combined"):
        s = meta["cross_validation"][who]["summary"]
        print(
            f"  cross-validated {who:<9} reform F1 {s['reform_f1']:.3f}  areas micro-F1 {s['areas_micro_f1']:.3f}"
            f"  framing macro-F1 {s['framing_macro_f1']:.3f}"
        )
    print(
        "its blend changes decisions of the rules: on the default classify/tag path"
        if decides_anything(meta)
        else "its blend leaves every decision to the rules: off the default classify/tag path"
    )


if __name__ == "__main__":
    main()
