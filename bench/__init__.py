"""Benchmarks of the platform (`make bench`): they print figures and assert nothing."""
