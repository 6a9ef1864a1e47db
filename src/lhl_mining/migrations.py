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


@migrations(name="0006_passage_roles")
def passage_roles(db: Database) -> None:
    """Passages say what they are: the decision text of a sak (with its saksnr), or noise to code last.

    `role` is 'decision' for vedtak/innstilling/tilråding text; `saksnr` is the sak it
    decides («PS 12/21»); `noise` names why a passage is page furniture rather than
    content ('letterhead', 'map').  NULL means an ordinary passage.
    """
    _run(
        db,
        """
ALTER TABLE passages ADD COLUMN role TEXT;
ALTER TABLE passages ADD COLUMN saksnr TEXT;
ALTER TABLE passages ADD COLUMN noise TEXT
""",
    )


@migrations(name="0007_scrape_coverage_error")
def scrape_coverage_error(db: Database) -> None:
    """Coverage status `error` (a portal answered in an unknown format, E305) and how each kommune was covered."""
    _run(
        db,
        """
CREATE TABLE scrape_coverage_new (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    knr TEXT NOT NULL REFERENCES kommuner(knr),
    source_id INTEGER REFERENCES sources(id),
    platform TEXT,
    status TEXT NOT NULL CHECK (status IN ('ok', 'partial', 'gap', 'failed', 'planned', 'error')),
    since INTEGER,
    until INTEGER,
    meetings_seen INTEGER NOT NULL DEFAULT 0,
    documents_found INTEGER NOT NULL DEFAULT 0,
    downloaded INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    confirmed INTEGER NOT NULL DEFAULT 0,
    gaps TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    methods TEXT NOT NULL DEFAULT '[]'
);
INSERT INTO scrape_coverage_new (id, run_id, knr, source_id, platform, status, since, until, meetings_seen,
    documents_found, downloaded, unchanged, failed, confirmed, gaps, created_at)
SELECT id, run_id, knr, source_id, platform, status, since, until, meetings_seen,
    documents_found, downloaded, unchanged, failed, confirmed, gaps, created_at FROM scrape_coverage;
DROP TABLE scrape_coverage;
ALTER TABLE scrape_coverage_new RENAME TO scrape_coverage;
CREATE INDEX idx_scrape_coverage_knr ON scrape_coverage(knr, run_id)
""",
    )


@migrations(name="0008_decisions")
def decisions(db: Database) -> None:
    """Decisions read from document texts (lhl_mining.decisions), which texts were read by which extractor,
    and coders' confirmations or corrections of kommune-table cells."""
    _run(
        db,
        """
CREATE TABLE decisions (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('vedtak', 'innstilling', 'uttalelse')),
    outcome TEXT NOT NULL CHECK (outcome IN ('adopted', 'adopted_changed', 'orientation', 'postponed', 'sent_back',
                                             'rejected', 'start_plan', 'other')),
    body TEXT,
    body_text TEXT,
    meeting_date TEXT,
    saksnr TEXT,
    arkivsak TEXT,
    sak_title TEXT,
    sak_start INTEGER,
    sak_end INTEGER,
    plan TEXT CHECK (plan IS NULL OR plan IN ('lhl_plan', 'plan')),
    names_reform INTEGER NOT NULL DEFAULT 0,
    implements_reform INTEGER NOT NULL DEFAULT 0,
    text TEXT NOT NULL,
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    evidence TEXT NOT NULL DEFAULT '{}',
    UNIQUE (document_id, seq)
);
CREATE INDEX idx_decisions_body ON decisions(body, outcome);
CREATE TABLE decision_reads (
    document_id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
    extractor TEXT NOT NULL,
    text_sha256 TEXT NOT NULL,
    n_decisions INTEGER NOT NULL,
    read_at TEXT NOT NULL,
    run_id INTEGER REFERENCES runs(id)
);
CREATE TABLE table_cell_codings (
    id INTEGER PRIMARY KEY,
    knr TEXT NOT NULL REFERENCES kommuner(knr),
    column_name TEXT NOT NULL,
    value TEXT CHECK (value IS NULL OR value IN ('2', '1', '0', '.')),
    machine_value TEXT,
    coder TEXT NOT NULL,
    coded_at TEXT NOT NULL,
    memo TEXT
);
CREATE INDEX idx_table_cell_codings ON table_cell_codings(knr, column_name, id)
""",
    )


@migrations(name="0010_search")
def search_index(db: Database) -> None:
    """Full-text search: an FTS5 index of passage texts and document titles, surface words and lemmas.

    Rows are passages (rowid = passage id) and document titles (rowid = minus the
    document id).  The index is contentless (the text stays in `passages` and
    `documents` only).  Lemmas need Python, so the triggers only note what changed,
    for every writer: new or edited rows go to `search_queue`, and the text of an
    indexed row that is edited or deleted goes to `search_gone` (a contentless
    index needs it to take the row out).  `lhl_mining.search.index.refresh` works
    both off (ingest, tag and every search run it).  This migration queues every
    existing passage and title, so an upgraded database is indexed on its first refresh.
    """
    for statement in _SEARCH_SCHEMA:
        db.execute(statement)


def _gone(rowid: str, text: str) -> str:
    """Trigger step: remember the indexed text of a row that changes (a queued row is not indexed yet)."""
    return (
        f"INSERT INTO search_gone(id, text) SELECT {rowid}, {text} WHERE {text} IS NOT NULL "
        f"AND NOT EXISTS (SELECT 1 FROM search_queue WHERE id = {rowid});"
    )


_SEARCH_SCHEMA = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(text, lemmas, content='', tokenize=\"unicode61 remove_diacritics 0\")",
    "CREATE TABLE search_queue (id INTEGER PRIMARY KEY)",
    "CREATE TABLE search_gone (seq INTEGER PRIMARY KEY, id INTEGER NOT NULL, text TEXT NOT NULL)",
    "CREATE TRIGGER search_passage_insert AFTER INSERT ON passages BEGIN "
    "INSERT OR IGNORE INTO search_queue(id) VALUES (new.id); END",
    f"CREATE TRIGGER search_passage_delete AFTER DELETE ON passages BEGIN {_gone('old.id', 'old.text')} "
    "DELETE FROM search_queue WHERE id = old.id; END",
    f"CREATE TRIGGER search_passage_update AFTER UPDATE OF text ON passages BEGIN {_gone('old.id', 'old.text')} "
    "INSERT OR IGNORE INTO search_queue(id) VALUES (new.id); END",
    "CREATE TRIGGER search_title_insert AFTER INSERT ON documents WHEN new.title IS NOT NULL BEGIN "
    "INSERT OR IGNORE INTO search_queue(id) VALUES (-new.id); END",
    f"CREATE TRIGGER search_title_delete AFTER DELETE ON documents BEGIN {_gone('-old.id', 'old.title')} "
    "DELETE FROM search_queue WHERE id = -old.id; END",
    f"CREATE TRIGGER search_title_update AFTER UPDATE OF title ON documents BEGIN {_gone('-old.id', 'old.title')} "
    "INSERT OR IGNORE INTO search_queue(id) SELECT -new.id WHERE new.title IS NOT NULL; END",
    "INSERT INTO search_queue(id) SELECT id FROM passages",
    "INSERT OR IGNORE INTO search_queue(id) SELECT -id FROM documents WHERE title IS NOT NULL",
)


@migrations(name="0011_standing_codings")
def standing_codings(db: Database) -> None:
    """The one rule for a coder's standing decision, as a view every reader filters.

    A row stands when it is not an undo row, no undo row points at it, and it is the
    coder's newest such row on the passage in its lane: `lane` is 'adjudicate' for
    final codes and 'coder' for everything a coder decides (a standing `skip` means
    no decision).  Written without window functions, so a filter on passage or coder
    reaches the indexes of `codings`.
    """
    _run(
        db,
        """
CREATE VIEW standing_codings AS
SELECT c.*, CASE WHEN c.action = 'adjudicate' THEN 'adjudicate' ELSE 'coder' END AS lane
FROM codings c
WHERE c.action != 'undo'
  AND NOT EXISTS (SELECT 1 FROM codings u WHERE u.undoes_id = c.id)
  AND NOT EXISTS (
      SELECT 1 FROM codings n
      WHERE n.passage_id = c.passage_id AND n.coder = c.coder AND n.id > c.id AND n.action != 'undo'
        AND (n.action = 'adjudicate') = (c.action = 'adjudicate')
        AND NOT EXISTS (SELECT 1 FROM codings nu WHERE nu.undoes_id = n.id)
  )
""",
    )


@migrations(name="0012_page_flags")
def page_flags(db: Database) -> None:
    """Pages say what extraction saw: `noise` 'map' for a map sheet (plankart), else NULL.

    Re-segmenting a stored text (`lhl_mining.ingest.segment_stored`) needs it to flag
    that page's passages as ingest did.  Only map pages make 'map' passages, so pages of
    an existing store get the flag back from the passages they carry.
    """
    _run(
        db,
        """
ALTER TABLE pages ADD COLUMN noise TEXT;
UPDATE pages SET noise = 'map' WHERE EXISTS (
    SELECT 1 FROM passages p
    WHERE p.document_id = pages.document_id AND p.page_no = pages.page_no AND p.noise = 'map'
)
""",
    )
