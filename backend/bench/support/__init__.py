"""Helpers for the benchmarks (a subfolder, so scripts/bench.sh does not run them as benches)."""
