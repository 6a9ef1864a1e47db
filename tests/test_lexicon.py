"""simplemma on the dictionaries' disk cache gives exactly simplemma's lemmas, and the cache looks after itself.

`lhl classify` looks lemmas up in a SQLite copy of simplemma's nb/nn
dictionaries instead of decoding them whole at start-up (lexicon.py).  These
tests lemmatize every distinct word of the seed documents and the gold
passages (Bokmål and Nynorsk) both ways and demand the same answers, and check
that a damaged cache file is rebuilt and an unwritable cache directory falls
back to simplemma's own dictionaries.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import simplemma

from lhl_mining.nlp import lexicon
from lhl_mining.nlp.lexicon import CachedDictionary, Lexicon


def real_words(shared: Path) -> list[str]:
    texts = [path.read_text(encoding="utf-8") for path in sorted((shared / "seeds").glob("*.txt"))]
    for name in ("gold_train.jsonl", "gold_train_2.jsonl", "gold_dev.jsonl"):
        texts += [json.loads(line)["text"] for line in (shared / "data" / name).open(encoding="utf-8") if line.strip()]
    words = {w for text in texts for w in re.findall(r"\w+(?:-\w+)*", text)}
    return sorted(words | {w.lower() for w in words})


def test_cached_dictionaries_give_simplemmas_lemmas(shared: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LHL_CACHE_DIR", str(tmp_path))
    cached = Lexicon()
    words = real_words(shared)
    assert len(words) > 10_000
    for lang in ("nb", "nn"):
        mine = [(cached.is_known(w, lang), cached.lemmatize(w, lang)) for w in words]
        theirs = [(simplemma.is_known(w, lang=lang), simplemma.lemmatize(w, lang=lang)) for w in words]
        differing = [w for w, a, b in zip(words, mine, theirs, strict=True) if a != b]
        assert not differing, f"{lang}: {len(differing)} word(s) differ, e.g. {differing[:5]}"
    files = sorted(p.name for p in tmp_path.iterdir())
    assert [name.split("-")[2] for name in files] == ["nb", "nn"]  # one file per language, named by hash
    assert all(name.startswith(f"simplemma-{simplemma.__version__}-") for name in files)


def test_a_damaged_cache_file_is_rebuilt(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LHL_CACHE_DIR", str(tmp_path))
    path = lexicon.cache_path("nn")
    path.write_bytes(b"not a database")
    dictionary = lexicon.CachedDictionaryFactory().get_dictionary("nn")
    assert isinstance(dictionary, CachedDictionary)
    assert dictionary.get("kommunen") == simplemma.lemmatize("kommunen", lang="nn")
    assert len(dictionary) > 100_000


def test_an_unwritable_cache_falls_back_to_simplemma(tmp_path: Path, monkeypatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory should be")
    monkeypatch.setenv("LHL_CACHE_DIR", str(blocker / "cache"))
    dictionary = lexicon.CachedDictionaryFactory().get_dictionary("nn")
    assert not isinstance(dictionary, CachedDictionary)
    assert Lexicon().lemmatize("eldreomsorga", "nn") == simplemma.lemmatize("eldreomsorga", lang="nn")
