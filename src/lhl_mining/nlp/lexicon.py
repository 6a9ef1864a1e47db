"""simplemma's nb/nn dictionaries from an on-disk cache, looked up word by word instead of decoded whole.

simplemma ships its dictionaries as lzma-compressed front-coded streams; the
first lookup decodes the whole language (nb and nn together ≈ 780 000 entries,
about 0.6 s), which was a third of `lhl classify`'s start-up.  Here each
language is written once into a hash-table file in the user cache directory
(``$LHL_CACHE_DIR``, else ``$XDG_CACHE_HOME/lhl-mining``, else
``~/.cache/lhl-mining``), named by the simplemma version, a format number and
the SHA-256 of the shipped stream, so a new simplemma builds a new file.  The
file is memory-mapped: opening it costs under a millisecond, a look-up hashes
the word and reads one or two slots (about 0.7 µs; a SQLite table, tried
first, took 5 µs and slowed tagging of new text by a fifth), and forked
`lhl tag` workers share the pages.  simplemma's own strategies run on top of
this dictionary (`Lemmatizer(DefaultStrategy(dictionary_factory=...))`), so
the lemmas are the ones `simplemma.lemmatize`/`is_known` give
(tests/test_lexicon.py).  When the cache directory cannot be written,
simplemma's in-memory dictionaries are used: slower to start, same lemmas.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import mmap
import os
import struct
import sys
from array import array
from collections.abc import Iterator, Mapping
from pathlib import Path
from zlib import crc32

from simplemma import Lemmatizer
from simplemma.strategies import DefaultStrategy, DictionaryLookupStrategy
from simplemma.strategies.dictionaries.dictionary_factory import (
    DATA_FOLDER,
    DefaultDictionaryFactory,
    DictionaryFactory,
)
from simplemma.utils import normalize_token

from ..cachedir import cache_dir, temp_beside

FORMAT = 3
"""Bump when the cache file's layout changes."""
MAGIC = b"LHLLEX" + sys.byteorder[0].encode() + bytes([FORMAT])
HEADER = struct.Struct("=8sQQQ")
"""magic (with byte order and format), number of slots (a power of two), number of entries, file size."""
MAX_FIELD = 255
"""Each record is key length, value length (one byte each, UTF-8 bytes), key, value (nb/nn: ≤ 33 bytes)."""


def _source_hash(lang: str) -> str:
    return hashlib.sha256((DATA_FOLDER / f"{lang}.plzma").read_bytes()).hexdigest()[:16]


def cache_path(lang: str) -> Path:
    """The cache file of `lang` for the installed simplemma (its name carries version, format and stream hash)."""
    version = importlib.metadata.version("simplemma")
    return cache_dir() / f"simplemma-{version}-{lang}-f{FORMAT}-{_source_hash(lang)}.lex"


def _build(lang: str, path: Path) -> None:
    """Decode simplemma's stream once and write it as an open-addressing hash table (temp file, then rename).

    Layout: header, `slots` uint32 offsets (0 = empty; load factor ≤ ½, linear
    probing on crc32 of the key), then the records.
    """
    entries = DefaultDictionaryFactory(cache_max_size=1).get_dictionary(lang)
    slots = 1 << max(4, (2 * len(entries)).bit_length())
    mask = slots - 1
    table = array("I", bytes(4 * slots))
    records = bytearray()
    base = HEADER.size + 4 * slots
    for key, value in entries.items():
        key_bytes, value_bytes = key.encode(), value.encode()
        if len(key_bytes) > MAX_FIELD or len(value_bytes) > MAX_FIELD:
            raise OSError(f"the {lang} dictionary has an entry too long for the cache format")
        i = crc32(key_bytes) & mask
        while table[i]:
            i = (i + 1) & mask
        table[i] = base + len(records)
        records += bytes((len(key_bytes), len(value_bytes))) + key_bytes + value_bytes
    if base + len(records) >= 1 << 32:
        raise OSError(f"the {lang} dictionary is too large for the cache format")
    tmp = temp_beside(path)
    try:
        with tmp.open("wb") as out:
            out.write(HEADER.pack(MAGIC, slots, len(entries), base + len(records)))
            out.write(table.tobytes())
            out.write(records)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


class DamagedCache(Exception):
    """A cache file that is not a complete table of this format."""


class CachedDictionary(Mapping[str, str]):
    """One language's dictionary as a read-only mapping over its memory-mapped cache file."""

    def __init__(self, path: Path):
        with path.open("rb") as file:
            size = os.fstat(file.fileno()).st_size
            if size < HEADER.size:
                raise DamagedCache(path)
            if hasattr(mmap, "MAP_POPULATE"):  # Linux: map every page now (< 1 ms), not one fault per page
                self._data = mmap.mmap(file.fileno(), 0, flags=mmap.MAP_SHARED | mmap.MAP_POPULATE, prot=mmap.PROT_READ)
            else:
                self._data = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        magic, slots, self._len, expected_size = HEADER.unpack_from(self._data)
        if magic != MAGIC or slots & (slots - 1) or size != expected_size or size < HEADER.size + 4 * slots:
            raise DamagedCache(path)
        self._mask = slots - 1
        self._slots = memoryview(self._data)[HEADER.size : HEADER.size + 4 * slots].cast("I")
        self._memo: dict[str, str | None] = {}

    def _find(self, key: bytes) -> str | None:
        # the lengths are single bytes: no struct tuple per look-up
        data, slots, mask = self._data, self._slots, self._mask
        i = crc32(key) & mask
        while offset := slots[i]:
            start = offset + 2
            end = start + data[offset]
            if data[start:end] == key:
                return data[end : end + data[offset + 1]].decode()
            i = (i + 1) & mask
        return None

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        memo = self._memo
        if key in memo:
            value = memo[key]
        else:
            value = self._find(key.encode())
            if len(memo) < 500_000:
                memo[key] = value
        return default if value is None else value

    def __getitem__(self, key: str) -> str:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __iter__(self) -> Iterator[str]:
        for offset in self._slots:
            if offset:
                yield self._data[offset + 2 : offset + 2 + self._data[offset]].decode()

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
            return CachedDictionary(path)
        except (DamagedCache, ValueError):
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
