"""Full-text search over passages and document titles, word frequencies, and passages like a given one.

* `find.search(store, query, Filters(...))`: keyword-in-context hits;
  `find.count_by(...)`: hits per kommune, county, document type or year.
* `words.count(...)`, `words.top_words(...)`, `words.keyness(...)`: lemma frequencies.
* `similar.like(store, passage_id)`: the most similar passages of other documents.
* `index.refresh(store)`: index what changed (ingest and tag call it); `index.reindex(store)`.

The index (migration 0010_search) is SQLite FTS5 over the surface words and the
lemmas of every passage and title; see docs/search.md.
"""
