"""Benchmarks: scripts that print figures (run from backend/: python -m bench.<name>)."""
