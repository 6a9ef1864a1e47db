"""Norwegian NLP: pipeline loader, lemmatizer, codebook compiler and the passage labeller.

What other areas call:

* `load_pipeline(model="auto")`: nb_core_news_lg/md/sm when installed, else the
  built-in pipeline (no download); `pipeline_id(nlp)` names it for provenance.
* `load_codebook(path=None)`: the validated codebook (codebooks/lhl.yaml by default).
* `Labeller`, `PassageLabel` (labeller.py): the interface every labeller implements;
  `RuleLabeller` is the codebook-rules labeller.
* `make_labeller(...)`, `classify_jsonl(...)`, `tag_store(...)`: what `lhl classify`
  and `lhl tag` run.
"""

from .codebook import Codebook, load_codebook
from .labeller import AREAS, FRAMINGS, PASSAGE_CODES, Labeller, PassageLabel
from .pipeline import load_pipeline, pipeline_id
from .rules import RuleLabeller

__all__ = [
    "AREAS",
    "FRAMINGS",
    "PASSAGE_CODES",
    "Codebook",
    "Labeller",
    "PassageLabel",
    "RuleLabeller",
    "load_codebook",
    "load_pipeline",
    "pipeline_id",
]
