"""Document ingestion: text from PDF, HTML, DOCX and plain text, cleaned, split into passages, typed."""
