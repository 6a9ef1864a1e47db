"""Codebooks shipped with lhl-mining (YAML, validated and compiled by lhl_mining.nlp)."""

if __name__ != "lhl_mining.codebooks":  # the folder sits at the repository root, but has one import name
    raise ImportError(f"Import this package as lhl_mining.codebooks, not {__name__} (see README, Layout).")
