"""Deterministic generator of the reconstructed raw data in data/raw (project-specific)."""
