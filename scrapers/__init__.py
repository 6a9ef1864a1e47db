"""Portal adapters: one module per publishing platform behind one interface."""

if __name__ != "lhl_mining.scrapers":  # the folder sits at the repository root, but has one import name
    raise ImportError(f"Import this package as lhl_mining.scrapers, not {__name__} (see README, Layout).")
