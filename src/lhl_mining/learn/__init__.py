"""Learning from coders: features, training, evaluation, active learning and inter-coder reliability.

What other areas call:

* `latest_model_labeller(name=None, models_dir=None, rules=None)`: the codebook
  rules combined with the newest trained model (or the one named) as a
  `Labeller`; raises `ModelNotFound` when there is none.  `lhl tag` and
  `lhl classify` use it.
* `rescore_undecided(store, labeller)`: store a labeller's scores as the current
  suggestions of every undecided passage (active learning for the review queue).
"""

from importlib import import_module
from typing import Any

_EXPORTS = {
    "rescore_undecided": "active",
    "uncertainty": "active",
    "default_models_dir": "files",
    "find_model": "files",
    "list_models": "files",
    "load_model": "files",
    "CombinedLabeller": "labellers",
    "ModelLabeller": "labellers",
    "default_rule_labeller": "labellers",
    "latest_model_labeller": "labellers",
}


def __getattr__(name: str) -> Any:
    """Imported on first use: scikit-learn takes 0.7 s to import, and `lhl classify` only reads model metadata."""
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)


__all__ = sorted(_EXPORTS)
