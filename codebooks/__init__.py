"""Codebooks shipped with lhl-mining (YAML, validated and compiled by lhl_mining.nlp)."""
