"""Schema of the lhl-mining store, created and upgraded by versioned migrations.

Each migration runs once, in order, inside a transaction (sqlite-utils'
`Migrations`, recorded in `_sqlite_migrations`).  Never edit an applied
migration: add a new one.  The tables are documented in docs/schema.md.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

MIGRATION_SET = "lhl_mining"

migrations = Migrations(MIGRATION_SET)


def _run(db: Database, statements: str) -> None:
    """Execute `;`-separated DDL one statement at a time (executescript would commit)."""
    for statement in statements.split(";\n"):
        if statement.strip():
            db.execute(statement)


@migrations(name="0001_initial")
def initial_schema(db: Database) -> None:
    _run(
        db,
        """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE kommuner (
    knr TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_alt TEXT,
    county TEXT NOT NULL,
    county_nr TEXT NOT NULL,
    knr_2020 TEXT,
    county_2020 TEXT,
    website TEXT,
    meetings_platform TEXT,
    meetings_url TEXT,
    platform_key TEXT,
    evidence TEXT,
    checked_date TEXT
);
CREATE INDEX idx_kommuner_county ON kommuner(county_nr);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    command TEXT NOT NULL,
    parameters TEXT NOT NULL DEFAULT '{}',
    versions TEXT NOT NULL DEFAULT '{}',
    counts TEXT NOT NULL DEFAULT '{}',
    started_at TEXT NOT NULL,
    ended_at TEXT,
    outcome TEXT NOT NULL DEFAULT 'running'
        CHECK (outcome IN ('running', 'ok', 'failed', 'interrupted')),
    error TEXT
);
CREATE TABLE sources (
    id INTEGER PRIMARY KEY,
    knr TEXT NOT NULL REFERENCES kommuner(knr),
    platform TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'meetings',
    base_url TEXT NOT NULL DEFAULT '',
    platform_key TEXT NOT NULL DEFAULT '',
    origin TEXT NOT NULL CHECK (origin IN ('registry', 'discovered', 'override')),
    evidence TEXT,
    checked_date TEXT,
    found_at TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    UNIQUE (knr, platform, base_url, platform_key)
);
CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    knr TEXT REFERENCES kommuner(knr),
    source_id INTEGER REFERENCES sources(id),
    platform TEXT NOT NULL,
    url TEXT NOT NULL UNIQUE,
    platform_ids TEXT NOT NULL DEFAULT '{}',
    moetemappe_id TEXT,
    moetesak_id TEXT,
    saksmappe_id TEXT,
    journalpost_id TEXT,
    dokument_id TEXT,
    saksnr TEXT,
    title TEXT,
    doc_type TEXT,
    doc_type_evidence TEXT,
    utvalg TEXT,
    meeting_date TEXT,
    doc_date TEXT,
    saksbehandler TEXT,
    mime_type TEXT,
    size_bytes INTEGER,
    n_pages INTEGER,
    sha256 TEXT,
    corpus_path TEXT,
    etag TEXT,
    last_modified TEXT,
    fetched_at TEXT,
    extractor TEXT,
    extracted_at TEXT,
    status TEXT NOT NULL DEFAULT 'discovered'
        CHECK (status IN ('discovered', 'downloaded', 'extracted', 'needs_ocr',
                          'duplicate', 'failed', 'skipped')),
    error TEXT,
    duplicate_of INTEGER REFERENCES documents(id),
    run_id INTEGER REFERENCES runs(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX idx_documents_knr ON documents(knr);
CREATE INDEX idx_documents_status ON documents(status);
CREATE INDEX idx_documents_sha256 ON documents(sha256);
CREATE TABLE document_texts (
    document_id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    text_sha256 TEXT NOT NULL
);
CREATE TABLE pages (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    page_no INTEGER NOT NULL,
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    has_text_layer INTEGER NOT NULL DEFAULT 1,
    image_regions INTEGER NOT NULL DEFAULT 0,
    UNIQUE (document_id, page_no)
);
CREATE TABLE sections (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL DEFAULT 'sak',
    saksnr TEXT,
    title TEXT,
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    UNIQUE (document_id, seq)
);
CREATE TABLE passages (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    section_id INTEGER REFERENCES sections(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    page_no INTEGER,
    heading TEXT,
    text TEXT NOT NULL,
    text_sha1 TEXT NOT NULL,
    n_words INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    UNIQUE (document_id, seq)
);
CREATE TABLE suggestions (
    id INTEGER PRIMARY KEY,
    passage_id INTEGER NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    score REAL NOT NULL,
    selected INTEGER NOT NULL DEFAULT 0,
    evidence TEXT NOT NULL DEFAULT '[]',
    source TEXT NOT NULL,
    codebook_version TEXT NOT NULL,
    pipeline TEXT,
    run_id INTEGER REFERENCES runs(id),
    current INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);
CREATE INDEX idx_suggestions_passage ON suggestions(passage_id, current);
CREATE INDEX idx_suggestions_code ON suggestions(code, current, selected);
CREATE TABLE assignments (
    id INTEGER PRIMARY KEY,
    passage_id INTEGER NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
    coder TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'double' CHECK (kind IN ('single', 'double')),
    assigned_at TEXT NOT NULL,
    run_id INTEGER REFERENCES runs(id),
    UNIQUE (passage_id, coder)
);
CREATE TABLE codings (
    id INTEGER PRIMARY KEY,
    passage_id INTEGER NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
    coder TEXT NOT NULL,
    coded_at TEXT NOT NULL,
    action TEXT NOT NULL
        CHECK (action IN ('code', 'accept', 'not_relevant', 'skip', 'undo', 'adjudicate')),
    reform INTEGER,
    areas TEXT,
    framing TEXT CHECK (framing IS NULL OR framing IN ('samfunn', 'sektor', 'begge', 'ingen')),
    memo TEXT,
    answered_run_id INTEGER REFERENCES runs(id),
    answered_source TEXT,
    undoes_id INTEGER REFERENCES codings(id),
    blind INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX idx_codings_passage ON codings(passage_id, coder);
CREATE INDEX idx_codings_coder ON codings(coder, coded_at)
""",
    )


@migrations(name="0002_scrape")
def scrape_bookkeeping(db: Database) -> None:
    """Cached portal listings (validators + body) and the per-kommune coverage of every scrape run."""
    _run(
        db,
        """
CREATE TABLE http_cache (
    url TEXT PRIMARY KEY,
    status INTEGER NOT NULL,
    content_type TEXT,
    etag TEXT,
    last_modified TEXT,
    body BLOB,
    fetched_at TEXT NOT NULL
);
CREATE TABLE scrape_coverage (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    knr TEXT NOT NULL REFERENCES kommuner(knr),
    source_id INTEGER REFERENCES sources(id),
    platform TEXT,
    status TEXT NOT NULL CHECK (status IN ('ok', 'partial', 'gap', 'failed', 'planned')),
    since INTEGER,
    until INTEGER,
    meetings_seen INTEGER NOT NULL DEFAULT 0,
    documents_found INTEGER NOT NULL DEFAULT 0,
    downloaded INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    confirmed INTEGER NOT NULL DEFAULT 0,
    gaps TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL
);
CREATE INDEX idx_scrape_coverage_knr ON scrape_coverage(knr, run_id)
""",
    )


@migrations(name="0003_review_indexes")
def review_indexes(db: Database) -> None:
    """Indexes the review app needs to stay fast with 100k passages: undo lookups, a coder's latest rows, assignments per coder."""
    _run(
        db,
        """
CREATE INDEX IF NOT EXISTS idx_codings_undoes ON codings(undoes_id);
CREATE INDEX IF NOT EXISTS idx_codings_coder_id ON codings(coder, id);
CREATE INDEX IF NOT EXISTS idx_codings_action ON codings(action, passage_id);
CREATE INDEX IF NOT EXISTS idx_assignments_coder ON assignments(coder, kind)
""",
    )


@migrations(name="0004_ingest_text_index")
def ingest_text_index(db: Database) -> None:
    """Finding a document with the same cleaned text (a re-rendered copy) must not scan every text."""
    _run(
        db,
        """
CREATE INDEX IF NOT EXISTS idx_document_texts_sha256 ON document_texts(text_sha256)
""",
    )


@migrations(name="0005_runs_process")
def runs_process(db: Database) -> None:
    """Which process wrote a `running` run, so a later command can close it as `interrupted` once that process is
    gone; and the passages held on a coder's screen, shared by every review server on the file."""
    _run(
        db,
        """
ALTER TABLE runs ADD COLUMN pid INTEGER;
ALTER TABLE runs ADD COLUMN host TEXT;
CREATE TABLE leases (
    passage_id INTEGER PRIMARY KEY REFERENCES passages(id) ON DELETE CASCADE,
    coder TEXT NOT NULL,
    until REAL NOT NULL
)
""",
    )
