"""lhl-mining: document mining for evaluating the reform «Leve hele livet».

Library first: every command of the `lhl` CLI is a thin wrapper around the
functions in this package (store, registry, ingest, nlp, learn, review, export).
"""

__version__ = "0.2.0"
