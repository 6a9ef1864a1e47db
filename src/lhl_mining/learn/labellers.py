"""Labellers backed by a trained model: the model alone, and the model combined with the codebook rules.

Both implement `lhl_mining.nlp.labeller.Labeller`, so `lhl classify`, `lhl tag`
and `lhl evaluate` treat them like the rules.  The combined labeller is what
`lhl tag` uses when a model exists: scores blended per code as chosen at
training time, and every rule hit kept in `evidence` so coders still see why a
term was highlighted.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..nlp.labeller import DocContext, Labeller, PassageLabel
from .files import TrainedModel, find_model, load_predictor
from .model import Blend, Prepared, blended_scores, labels_from_scores


class ModelLabeller(Labeller):
    """Labels from the trained model's probabilities alone (rules feed it features, not decisions)."""

    name = "model"
    blends_with_rules = False

    def __init__(self, trained: TrainedModel, rules: Labeller | None = None):
        if trained.model.uses_rules and rules is None:
            raise ValueError(f"model {trained.name!r} was trained with codebook-hit features; pass the rule labeller")
        self.trained = trained
        self.rules = rules if trained.model.uses_rules else None
        self.version = trained.name
        self.codebook_version = trained.meta.get("codebook_version") or (rules.codebook_version if rules else "")
        self.pipeline = rules.pipeline if rules is not None else ""

    def label(self, texts: Sequence[str], contexts: Sequence[DocContext | None] | None = None) -> list[PassageLabel]:
        return self.label_parallel(texts, contexts, 1)

    def label_parallel(
        self, texts: Sequence[str], contexts: Sequence[DocContext | None] | None, workers: int
    ) -> list[PassageLabel]:
        """The rules (the costly part) spread over `workers` processes, the model applied here."""
        if not texts:
            return []
        rule_labels = self.rules.label_parallel(texts, contexts, workers) if self.rules is not None else None
        prepared = Prepared.from_rule_labels(texts, rule_labels)
        probs = self.trained.model.probabilities(prepared)
        if self.blends_with_rules:
            blend, rule_decisions = self.trained.blend, prepared.rule_labels
        else:
            blend, rule_decisions = Blend.model_only(), None
        scores, framing = blended_scores(probs, rule_decisions, blend, len(prepared.texts))
        return labels_from_scores(scores, framing, blend, prepared.rule_labels)


class CombinedLabeller(ModelLabeller):
    """The rules and the model together: blended scores per code, rule evidence kept."""

    name = "rules+model"
    blends_with_rules = True

    def __init__(self, trained: TrainedModel, rules: Labeller):
        super().__init__(trained, rules)
        self.rules = rules
        self.version = f"{rules.version}+{trained.name}"
        self.codebook_version = rules.codebook_version

    @property
    def codebook_changed(self) -> bool:
        """True when the rules' codebook differs from the one the model learned its rule features from.

        The model still works (rule hits are features, not the vocabulary), but
        retraining (`lhl train`, or `bench/build_starter_model.py` for the starter)
        lets it learn how far to trust the new rules.
        """
        trained_on = self.trained.meta.get("codebook_version")
        return bool(trained_on) and trained_on != self.codebook_version


def default_rule_labeller() -> Labeller:
    """The codebook rule labeller of `lhl_mining.nlp`, with its default pipeline and codebook."""
    from ..nlp.rules import RuleLabeller

    return RuleLabeller()


def compared_labellers(trained: TrainedModel) -> dict[str, Labeller]:
    """What `lhl evaluate` scores side by side: the rules, the model alone, and both combined."""
    rules = default_rule_labeller()
    return {"rules": rules, "model": ModelLabeller(trained, rules), "combined": CombinedLabeller(trained, rules)}


def latest_model_labeller(
    name: str | None = None, models_dir: Path | None = None, rules: Labeller | None = None
) -> CombinedLabeller:
    """The rules combined with the newest model (or the one named): what `lhl tag` and `lhl classify` use.

    Raises `ModelNotFound` when no model exists and `ModelIncompatible` for a
    model file this installation cannot read.
    """
    trained = load_predictor(find_model(name, models_dir))
    return CombinedLabeller(trained, rules if rules is not None else default_rule_labeller())
