"""Portal adapters: one module per publishing platform behind one interface."""
