"""Benchmarks: `make bench` (full size) writes BENCHMARKS.md; tests run them small."""
