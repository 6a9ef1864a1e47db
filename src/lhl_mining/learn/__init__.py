"""Learning from coders: features, training, evaluation, active learning and inter-coder reliability.

What other areas call:

* `latest_model_labeller(name=None, models_dir=None, rules=None)`: the codebook
  rules combined with the newest trained model (or the one named) as a
  `Labeller`; raises `ModelNotFound` when there is none.  `lhl tag` and
  `lhl classify` use it.
* `rescore_undecided(store, labeller)`: store a labeller's scores as the current
  suggestions of every undecided passage (active learning for the review queue).
"""

from .active import rescore_undecided, uncertainty
from .files import default_models_dir, find_model, list_models, load_model
from .labellers import CombinedLabeller, ModelLabeller, default_rule_labeller, latest_model_labeller

__all__ = [
    "CombinedLabeller",
    "ModelLabeller",
    "default_models_dir",
    "default_rule_labeller",
    "find_model",
    "latest_model_labeller",
    "list_models",
    "load_model",
    "rescore_undecided",
    "uncertainty",
]
