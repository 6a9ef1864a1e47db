"""Learning from coders: features, training, evaluation and inter-coder reliability."""
