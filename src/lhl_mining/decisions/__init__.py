"""Decisions as data: what each body decided in each sak, read from the stored document text.

`extract` reads decisions from a text; `build` stores them for the documents of
a database (idempotent: a document is re-read only when its text or the
extractor changed); `cases` links the papers of one case.  The kommune table
(`lhl_mining.export.summary`) decides the evaluators' Vedtak LHL code from them.
"""

from .extract import BODIES, EXTRACTOR, KINDS, OUTCOME_LABELS, OUTCOMES, Decision, extract_decisions

__all__ = ["BODIES", "EXTRACTOR", "KINDS", "OUTCOMES", "OUTCOME_LABELS", "Decision", "extract_decisions"]
