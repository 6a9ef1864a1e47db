"""Model files: `<name>.joblib` (the fitted classifiers) beside `<name>.json` (what and how it learned).

The JSON is read first and checked (model format, scikit-learn version), so an
incompatible file is refused with a clear message before anything is
unpickled.  Models are looked for in the user's models folder (``--models-dir``,
``LHL_MODELS``, default beside the database: ``lhl.db`` -> ``lhl.models/``) and
in the models shipped with the package (the starter model); the newest by training time wins unless one is
named.  Only load model files you trust: joblib files run code when loaded.
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ModelExists, ModelIncompatible, ModelNotFound, UsageError
from ..store import default_db_path

if TYPE_CHECKING:
    from .model import Blend, PassageModel
    from .predictor import Predictor

MODEL_FORMAT = 1
"""Bumped whenever the saved objects change shape; older files must be retrained."""

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")


@dataclass
class TrainedModel:
    """A fitted model, its blend with the rules and its metadata.

    `model` is the scikit-learn `PassageModel` (`load_model`, training) or its
    compiled `Predictor` (`load_predictor`: what labelling loads); both give
    `probabilities` and `uses_rules`.
    """

    name: str
    model: PassageModel | Predictor
    blend: Blend
    meta: dict[str, Any]


def default_models_dir(db_path: Path | None = None) -> Path:
    """Where trained models go unless named: `LHL_MODELS`, else beside the database (`lhl.db` -> `lhl.models/`).

    Models are learned from one database's codings, so they live with it; never
    in the package's models/ folder, which ships in the wheel.
    """
    if os.environ.get("LHL_MODELS"):
        return Path(os.environ["LHL_MODELS"])
    db = db_path or default_db_path()
    return db.with_name(f"{db.stem}.models")


def bundled_models_dir() -> Path:
    return Path(str(importlib.resources.files("lhl_mining.models")))


def installed_sklearn() -> str:
    """The installed scikit-learn version, without importing it (0.7 s)."""
    return importlib.metadata.version("scikit-learn")


def _sklearn_series(version: str) -> str:
    return ".".join(version.split(".")[:2])


def check_name(name: str) -> str:
    if not NAME_RE.match(name):
        raise UsageError(
            f"Model name {name!r} is not usable: use letters, digits, '.', '_' or '-' (at most 80), starting with a letter or digit."
        )
    return name


def save_model(trained: TrainedModel, models_dir: Path) -> Path:
    """Write both files atomically; an existing model of the same name is never overwritten."""
    import joblib

    models_dir.mkdir(parents=True, exist_ok=True)
    target = models_dir / f"{trained.name}.joblib"
    meta_path = models_dir / f"{trained.name}.json"
    if target.exists() or meta_path.exists():
        raise ModelExists(f"A model named {trained.name!r} already exists in {models_dir}; choose another --name.")
    from .predictor import compile_model

    tmp = models_dir / f".{trained.name}.joblib.tmp"
    joblib.dump({"format": MODEL_FORMAT, "model": trained.model, "blend": trained.blend.as_dict()}, tmp, compress=3)
    tmp_compiled = models_dir / f".{trained.name}.npz.tmp"
    compile_model(trained.model).save(tmp_compiled)
    trained.meta["file_bytes"] = tmp.stat().st_size
    tmp_meta = models_dir / f".{trained.name}.json.tmp"
    tmp_meta.write_text(json.dumps(trained.meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, target)
    os.replace(tmp_compiled, target.with_suffix(".npz"))
    os.replace(tmp_meta, meta_path)  # last: a model is listed only once its files are complete
    return target


def read_meta(meta_path: Path) -> dict[str, Any]:
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelIncompatible(f"Cannot read model metadata {meta_path}: {exc}.") from None
    if not isinstance(meta, dict) or "name" not in meta:
        raise ModelIncompatible(f"{meta_path} is not lhl-mining model metadata.")
    return meta


def check_compatible(meta: dict[str, Any], meta_path: Path) -> None:
    """Refuse models of another format or scikit-learn series, saying how to fix it."""
    if meta.get("format") != MODEL_FORMAT:
        raise ModelIncompatible(
            f"Model {meta.get('name')!r} ({meta_path}) has model format {meta.get('format')!r}; this lhl-mining reads "
            f"format {MODEL_FORMAT}. Retrain it with `lhl train`, or tag with the rules alone (--rules-only); "
            "the old file was left as it is."
        )
    trained_with = str(meta.get("sklearn_version", "?"))
    if _sklearn_series(trained_with) != _sklearn_series(installed_sklearn()):
        raise ModelIncompatible(
            f"Model {meta.get('name')!r} ({meta_path}) was trained with scikit-learn {trained_with}, but "
            f"{installed_sklearn()} is installed. Retrain it with `lhl train`, or install scikit-learn "
            f"{_sklearn_series(trained_with)}.x, or tag with the rules alone (--rules-only); the old file was left as it is."
        )


def is_readable(meta: dict[str, Any]) -> bool:
    """Whether this installation can load the model described by `meta`."""
    try:
        check_compatible(meta, Path(str(meta.get("path", meta.get("name", "?")))))
    except ModelIncompatible:
        return False
    return True


def model_rows(models_dir: Path | None = None) -> list[dict[str, Any]]:
    """`lhl models`: one row per model, newest first, with its cross-validated scores and whether it can be read."""
    rows = []
    for meta in sorted(list_models(models_dir), key=lambda m: m.get("created_at", ""), reverse=True):
        summary = meta.get("cross_validation", {}).get("combined", {}).get("summary", {})
        rows.append(
            {
                "name": meta["name"],
                "created_at": meta.get("created_at", ""),
                "passages": meta.get("n_passages"),
                "source": meta.get("source", ""),
                "codebook": meta.get("codebook_version") or "",
                "sklearn": meta.get("sklearn_version", ""),
                "readable": is_readable(meta),
                "decides": ", ".join(decided_codes(meta)) or "nothing (shades scores only)",
                "cv_reform_f1": summary.get("reform_f1"),
                "cv_areas_micro_f1": summary.get("areas_micro_f1"),
                "cv_framing_macro_f1": summary.get("framing_macro_f1"),
                "path": meta["path"],
            }
        )
    return rows


def list_models(models_dir: Path | None = None) -> list[dict[str, Any]]:
    """Metadata of every model found (user folder first, then the shipped ones), with its path."""
    seen: set[Path] = set()
    found: list[dict[str, Any]] = []
    for folder in (models_dir or default_models_dir(), bundled_models_dir()):
        if not folder.is_dir() or folder.resolve() in seen:
            continue
        seen.add(folder.resolve())
        for meta_path in sorted(folder.glob("*.json")):
            if not (meta_path.with_suffix(".joblib")).exists():
                continue
            try:
                meta = read_meta(meta_path)
            except ModelIncompatible:
                continue
            found.append({**meta, "path": str(meta_path.with_suffix(".joblib"))})
    return found


def find_model(name: str | None = None, models_dir: Path | None = None) -> Path:
    """The joblib path of the named model, or of the newest one this installation can read."""
    models = list_models(models_dir)
    if name is not None:
        for meta in models:
            if meta["name"] == name:
                return Path(meta["path"])
        known = ", ".join(sorted(m["name"] for m in models)) or "none"
        raise ModelNotFound(f"No model named {name!r} (known: {known}). Train one with `lhl train --name {name}`.")
    if not models:
        raise ModelNotFound(
            "No trained model found. Train one with `lhl train`, or reinstall lhl-mining for the starter model."
        )
    newest_first = sorted(models, key=lambda m: m.get("created_at", ""), reverse=True)
    for meta in newest_first:
        try:
            check_compatible(meta, Path(meta["path"]).with_suffix(".json"))
        except ModelIncompatible:
            continue
        return Path(meta["path"])
    # Every model is from another version: say so for the newest (load_model raises the message).
    return Path(newest_first[0]["path"])


def decided_codes(meta: dict[str, Any]) -> list[str]:
    """The codes a model's blend lets it decide (rule weight below 1); the rules decide the others."""
    blend = meta.get("blend") or {}
    codes = [code for code, weight in (blend.get("weights") or {}).items() if float(weight) < 1.0]
    return codes + (["framing"] if float(blend.get("framing_weight", 0.0)) < 1.0 else [])


def decides_anything(meta: dict[str, Any]) -> bool:
    """Whether a model's blend lets it change any decision of the rules (a rule weight below 1 somewhere).

    A model whose cross-validated gain never beat noise keeps every decision with
    the rules (weight 1): it then only shades scores, and `lhl classify`/`lhl tag`
    leave it off their default path.
    """
    return bool(decided_codes(meta))


def load_predictor(path: Path) -> TrainedModel:
    """A model ready to label: its compiled arrays (`<name>.npz`, numpy only), no scikit-learn import.

    A model saved before compiled files existed is compiled from its `.joblib` on load.
    """
    compiled = path.with_suffix(".npz")
    if not compiled.exists():
        from .predictor import compile_model

        trained = load_model(path)
        return TrainedModel(trained.name, compile_model(trained.model), trained.blend, trained.meta)
    meta_path = path.with_suffix(".json")
    meta = read_meta(meta_path)
    check_compatible(meta, meta_path)
    from .model import Blend
    from .predictor import Predictor

    try:
        predictor = Predictor.load(compiled)
    except Exception as exc:  # damaged or foreign: say so instead of a traceback
        raise ModelIncompatible(f"Cannot load model {compiled}: {exc}. Retrain it with `lhl train`.") from None
    return TrainedModel(meta["name"], predictor, Blend.from_dict(meta["blend"]), meta)


def load_model(path: Path) -> TrainedModel:
    """Load a model file after checking its metadata; incompatible files are refused, never changed."""
    meta_path = path.with_suffix(".json")
    if not path.exists() or not meta_path.exists():
        raise ModelNotFound(f"Model file {path} or its metadata {meta_path.name} is missing.")
    meta = read_meta(meta_path)
    check_compatible(meta, meta_path)
    import joblib

    from .model import Blend

    try:
        payload = joblib.load(path)
    except Exception as exc:  # a damaged or foreign pickle: say so instead of a traceback
        raise ModelIncompatible(f"Cannot load model {path}: {exc}. Retrain it with `lhl train`.") from None
    if not isinstance(payload, dict) or payload.get("format") != MODEL_FORMAT:
        raise ModelIncompatible(
            f"{path} is not an lhl-mining model of format {MODEL_FORMAT}. Retrain it with `lhl train`."
        )
    return TrainedModel(meta["name"], payload["model"], Blend.from_dict(payload["blend"]), meta)
