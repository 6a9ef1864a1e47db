"""Trained models shipped with lhl-mining (the starter model) and their metadata."""
