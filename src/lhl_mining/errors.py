"""User-facing errors with stable numbers, so messages can be looked up and tested.

Every error a researcher can act on is an `LhlError`: one line saying what went
wrong and what to do next. The CLI prints it and exits with `exit_code`.
"""

from __future__ import annotations

import errno


class LhlError(Exception):
    """An error the user can act on; `code` is stable across releases."""

    code = "E000"
    exit_code = 1

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class UsageError(LhlError):
    """Bad arguments: unknown county, kommune, format, … (exit code 2, like click)."""

    code = "E002"
    exit_code = 2


class DatabaseMissing(LhlError):
    code = "E010"


class DatabaseUnreadable(LhlError):
    code = "E011"


class DatabaseLocked(LhlError):
    code = "E012"


class DatabaseCorrupt(LhlError):
    code = "E013"


class DatabaseTooNew(LhlError):
    code = "E014"


class DatabaseReadOnly(LhlError):
    code = "E015"


class DatabaseFull(LhlError):
    """The disk (or quota) holding the database is full; SQLite rolled the transaction back."""

    code = "E016"


# --- learning, evaluation and reliability (E500–E599) -------------------------


class GoldFileInvalid(LhlError):
    """A gold JSONL file that cannot be read: missing, bad JSON, missing keys, unknown labels."""

    code = "E501"


class TooFewCoded(LhlError):
    """Not enough coded passages to train or evaluate."""

    code = "E502"


class SingleClass(LhlError):
    """Every code has only one class among the coded passages: nothing to learn."""

    code = "E503"


class ModelNotFound(LhlError):
    code = "E504"


class ModelIncompatible(LhlError):
    """A model file written by another model format or scikit-learn version."""

    code = "E505"


class ModelExists(LhlError):
    code = "E506"


class NoOverlap(LhlError):
    """Reliability needs passages decided by at least two coders."""

    code = "E507"


class UnknownCoder(LhlError):
    code = "E508"


# ---------------------------------------------------------------- ingest (E200–E299)
class IngestError(LhlError):
    """A document that cannot be ingested; stored as status `failed` with this message."""

    code = "E200"


class UnsupportedFormat(IngestError):
    code = "E201"


class EncryptedDocument(IngestError):
    code = "E202"


class CorruptDocument(IngestError):
    code = "E203"


class DocumentTooLarge(IngestError):
    code = "E204"


class TooManyPages(IngestError):
    code = "E205"


class ZipBomb(IngestError):
    code = "E206"


class UndecodableText(IngestError):
    code = "E207"


class EmptyDocument(IngestError):
    code = "E208"


class OcrUnavailable(IngestError):
    code = "E209"


class OcrFailed(IngestError):
    code = "E210"


class IngestPathMissing(UsageError):
    code = "E211"


class UnreadableFile(IngestError):
    code = "E212"


class ChangedAfterCoding(IngestError):
    code = "E213"


class NotADocument(IngestError):
    """A login, error or redirect page saved in place of the document."""

    code = "E215"


# ---------------------------------------------------------------- review (E400–E499)
class ReviewError(LhlError):
    """A request to the review app that was refused; nothing was written.  `http_status` is what the app answers."""

    code = "E400"
    http_status = 400


class MalformedDecision(ReviewError):
    """A form field is missing or has a value the codebook does not know."""

    code = "E401"


class UnknownPassage(ReviewError):
    code = "E402"
    http_status = 404


class StaleSuggestion(ReviewError):
    """The passage was re-tagged after the screen showed its machine suggestion."""

    code = "E403"
    http_status = 409


class DecisionConflict(ReviewError):
    """The coder's decision changed after the screen was drawn (second tab, double key press)."""

    code = "E404"
    http_status = 409


class NothingToUndo(ReviewError):
    code = "E405"
    http_status = 409


class WrongToken(ReviewError):
    code = "E406"
    http_status = 403


class ForeignOrigin(ReviewError):
    """A write from a page the review app did not serve (cross-site request)."""

    code = "E407"
    http_status = 403


class ReviewUsageError(UsageError):
    """Bad options for `lhl review` / `lhl review assign` (exit code 2)."""

    code = "E420"


class PortInUse(LhlError):
    code = "E421"


# --- export and report (E600–E699) ---------------------------------------------------


class NothingToExport(LhlError):
    """The database holds nothing the chosen export can be built from."""

    code = "E600"


class OutputExists(LhlError):
    code = "E601"


class OutputNotWritable(LhlError):
    code = "E602"


class CodesMissingFromCodebook(LhlError):
    code = "E603"


class ExportOptionError(UsageError):
    """A format, level or coding choice that does not fit together (exit code 2)."""

    code = "E604"


# ---------------------------------------------------------------- nlp and codebook (E100–E199)
class PipelineNotFound(LhlError):
    """A named spaCy pipeline is not installed (or a folder is not a pipeline)."""

    code = "E100"


class CodebookInvalid(LhlError):
    """The codebook YAML does not parse or does not follow the schema; the message names the line."""

    code = "E101"


class ClassifyInputInvalid(LhlError):
    """`lhl classify --strict` met a line that is not a JSON object with a string `id` and `text`."""

    code = "E102"


class ClassifyIOError(LhlError):
    """An input or output file of `lhl classify` cannot be read or written."""

    code = "E103"


# ---------------------------------------------------------------- scraping and sources (E300–E399)
class HttpError(LhlError):
    """A request failed for good (after retries) or returned something unusable."""

    code = "E300"


class HostStopped(HttpError):
    """The host refused us (403, login or captcha page): no more requests to it in this run."""

    code = "E301"


class RobotsDisallowed(HttpError):
    """robots.txt asks bots to stay away from this path; override per host if you have a mandate."""

    code = "E302"


class NotJson(HttpError):
    """A JSON endpoint answered with HTML (Elements serves its app page on wrong paths)."""

    code = "E303"


class Unreachable(HttpError):
    """Connection failures and timeouts that outlived the retries."""

    code = "E304"


class FormatChanged(HttpError):
    """A portal answered in a shape the adapter does not know: the kommune's coverage is `error`, never «nothing found»."""

    code = "E305"

    def __init__(self, url: str, expected: str, got: str = ""):
        super().__init__(
            f"{url} answered in an unknown format: expected {expected}"
            + (f", got {got}" if got else "")
            + ". The portal may have changed; nothing from it is trusted until the adapter is updated."
        )


class RetryAfterTooLong(HttpError):
    """A host asked us to wait longer than the configured maximum (`--max-retry-after`): given up, not cut short."""

    code = "E306"


class CorpusNotWritable(LhlError):
    """The corpus folder cannot be written (read-only, missing permissions, disk full)."""

    code = "E310"

    @classmethod
    def of(cls, corpus_dir: object, exc: OSError) -> CorpusNotWritable:
        reason = {
            errno.ENOSPC: "the disk is full",
            errno.EDQUOT: "the disk quota is used up",
            errno.EROFS: "the file system is read-only",
            errno.EACCES: "permission denied",
        }.get(exc.errno or 0, exc.strerror or str(exc))
        return cls(
            f"Cannot write to the corpus folder {corpus_dir} ({reason}). Free space or choose another folder with "
            "--corpus; everything stored so far is kept and the next run continues from there."
        )


class SourcesFileInvalid(LhlError):
    """The per-kommune sources override file does not parse or names unknown kommuner/platforms."""

    code = "E311"


class ExtractionTimeout(IngestError):
    code = "E214"


class OwnBlindPassage(ReviewError):
    """A coder of a blind double-coding passage may not see or set its final code."""

    code = "E408"
    http_status = 403


# ---------------------------------------------------------------- search (E700–E799)
class QuerySyntaxError(UsageError):
    """A search query the parser cannot read (an open quote, a dangling AND …)."""

    code = "E700"


class SearchIndexStale(UsageError):
    """The search index was built by another lemmatizer: `lhl search --reindex`."""

    code = "E701"
