"""simplemma's nb/nn dictionaries from an on-disk cache, looked up word by word instead of decoded whole.

simplemma ships its dictionaries as lzma-compressed front-coded streams; the
first lookup decodes the whole language (nb and nn together ≈ 780 000 entries,
about 0.6 s), which was a third of `lhl classify`'s start-up.  Here each
language is copied once into a SQLite file in the user cache directory
(``$LHL_CACHE_DIR``, else ``$XDG_CACHE_HOME/lhl-mining``, else
``~/.cache/lhl-mining``), named by the simplemma version, a format number and
the SHA-256 of the shipped stream, so a new simplemma builds a new file.  A
lookup is one indexed SELECT (a few µs), and a process only touches the pages
it needs.  simplemma's own strategies run on top of this dictionary
(`Lemmatizer(DefaultStrategy(dictionary_factory=...))`), so the lemmas are the
same as `simplemma.lemmatize`/`is_known` give (tests/test_lexicon.py).  When
the cache directory cannot be written, simplemma's in-memory dictionaries are
used: slower to start, same lemmas.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

from simplemma import Lemmatizer
from simplemma.strategies import DefaultStrategy, DictionaryLookupStrategy
from simplemma.strategies.dictionaries.dictionary_factory import (
    DATA_FOLDER,
    DefaultDictionaryFactory,
    DictionaryFactory,
)
from simplemma.utils import normalize_token

from ..cachedir import cache_dir, temp_beside

LANGS: tuple[str, ...] = ("nb", "nn")
FORMAT = 1
"""Bump when the cache file's layout changes."""


def _source_hash(lang: str) -> str:
    return hashlib.sha256((DATA_FOLDER / f"{lang}.plzma").read_bytes()).hexdigest()[:16]


def cache_path(lang: str) -> Path:
    """The cache file of `lang` for the installed simplemma (its name carries version, format and stream hash)."""
    version = importlib.metadata.version("simplemma")
    return cache_dir() / f"simplemma-{version}-{lang}-f{FORMAT}-{_source_hash(lang)}.sqlite"


def _build(lang: str, path: Path) -> None:
    """Decode simplemma's stream once and write it as a keyed table (atomically: temp file, then rename)."""
    entries = DefaultDictionaryFactory(cache_max_size=1).get_dictionary(lang)
    tmp = temp_beside(path)
    try:
        with sqlite3.connect(tmp) as db:
            db.execute("CREATE TABLE entry (form TEXT PRIMARY KEY, lemma TEXT NOT NULL) WITHOUT ROWID")
            db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            db.executemany("INSERT INTO entry VALUES (?, ?)", sorted(entries.items()))
            db.executemany("INSERT INTO meta VALUES (?, ?)", [("lang", lang), ("entries", str(len(entries)))])
        db.close()
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


class CachedDictionary(Mapping[str, str]):
    """One language's dictionary as a read-only mapping over its cache file (one connection per process)."""

    def __init__(self, lang: str, path: Path):
        self.lang, self.path = lang, path
        self._local = threading.local()
        self._pid = -1
        self._memo: dict[str, str | None] = {}
        db = self._db()
        rows = dict(db.execute("SELECT key, value FROM meta"))
        if rows.get("lang") != lang or not rows.get("entries"):
            raise sqlite3.DatabaseError(f"{path} is not the {lang} dictionary")
        self._len = int(rows["entries"])

    def _db(self) -> sqlite3.Connection:
        # a connection must not cross fork (`lhl tag --workers`) nor threads
        if self._pid != os.getpid():
            self._local, self._pid = threading.local(), os.getpid()
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True)
        return db

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        memo = self._memo
        if key in memo:
            value = memo[key]
        else:
            row = self._db().execute("SELECT lemma FROM entry WHERE form = ?", (key,)).fetchone()
            value = row[0] if row else None
            if len(memo) < 500_000:
                memo[key] = value
        return default if value is None else value

    def __getitem__(self, key: str) -> str:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __iter__(self) -> Iterator[str]:
        return (form for (form,) in self._db().execute("SELECT form FROM entry ORDER BY form"))

    def __len__(self) -> int:
        return self._len


class CachedDictionaryFactory(DictionaryFactory):
    """simplemma `DictionaryFactory` serving nb/nn from the cache files (built at first use)."""

    def __init__(self) -> None:
        self._dictionaries: dict[str, Mapping[str, str]] = {}

    def get_dictionary(self, lang: str) -> Mapping[str, str]:
        if lang not in self._dictionaries:
            self._dictionaries[lang] = _open(lang)
        return self._dictionaries[lang]


def _open(lang: str) -> Mapping[str, str]:
    path = cache_path(lang)
    for attempt in range(2):
        try:
            if not path.is_file():
                _build(lang, path)
            return CachedDictionary(lang, path)
        except sqlite3.DatabaseError:
            if attempt == 0:  # a damaged cache file: build it again
                path.unlink(missing_ok=True)
        except OSError:
            break
    # the cache cannot be written: simplemma's own (slower to load) dictionary
    return DefaultDictionaryFactory(cache_max_size=1).get_dictionary(lang)


class Lexicon:
    """`lemmatize`/`is_known` as simplemma's module functions answer them, on the cached dictionaries."""

    def __init__(self, factory: DictionaryFactory | None = None):
        factory = factory or CachedDictionaryFactory()
        self._lookup = DictionaryLookupStrategy(factory)
        self._lemmatizer = Lemmatizer(lemmatization_strategy=DefaultStrategy(dictionary_factory=factory))

    def is_known(self, word: str, lang: str) -> bool:
        return self._lookup.get_lemma(normalize_token(word), lang) is not None

    def lemmatize(self, word: str, lang: str) -> str:
        return self._lemmatizer.lemmatize(word, lang)
