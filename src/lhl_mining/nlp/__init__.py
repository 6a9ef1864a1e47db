"""Norwegian NLP: pipeline loader, lemmatizer, codebook compiler and the passage labeller.

What other areas call:

* `load_pipeline(model="auto")`: nb_core_news_lg/md/sm when installed, else the
  built-in pipeline (no download); `pipeline_id(nlp)` names it for provenance.
* `load_codebook(path=None)`: the validated codebook (codebooks/lhl.yaml by default; `lhl_mining.codebook`).
* `Labeller`, `PassageLabel`, `DocContext` (labeller.py): the interface every labeller implements;
  `RuleLabeller` is the codebook-rules labeller.
* `make_labeller(...)`, `classify_jsonl(...)`, `tag_store(...)`: what `lhl classify`
  and `lhl tag` run.
"""

from importlib import import_module
from typing import Any

from ..codebook import AREAS, FRAMINGS, PASSAGE_CODES, Codebook, load_codebook
from .labeller import DocContext, Labeller, PassageLabel

_LAZY = {
    "load_pipeline": "pipeline",
    "pipeline_id": "pipeline",
    "RuleLabeller": "rules",
}


def __getattr__(name: str) -> Any:
    """spaCy is imported on first use, so commands that only read labels (export, report) start without it."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{_LAZY[name]}", __name__), name)


__all__ = [
    "AREAS",
    "FRAMINGS",
    "PASSAGE_CODES",
    "Codebook",
    "DocContext",
    "Labeller",
    "PassageLabel",
    "load_codebook",
    *sorted(_LAZY),
]
