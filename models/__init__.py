"""Trained models shipped with lhl-mining (the starter model) and their metadata."""

if __name__ != "lhl_mining.models":  # the folder sits at the repository root, but has one import name
    raise ImportError(f"Import this package as lhl_mining.models, not {__name__} (see README, Layout).")
