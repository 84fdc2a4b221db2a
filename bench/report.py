"""Turning samples into the lines a benchmark prints."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path


def percentile(samples: Sequence[float], percent: float) -> float:
    """Nearest-rank percentile: the smallest sample with at least `percent` % of the samples at or below it."""
    ordered = sorted(samples)
    rank = max(math.ceil(percent / 100 * len(ordered)), 1)
    return ordered[rank - 1]


def milliseconds(samples_seconds: Sequence[float], points: Sequence[float] = (50, 95, 99)) -> str:
    parts = [f"p{point:g} {percentile(samples_seconds, point) * 1000:.1f}" for point in points]
    return " · ".join([*parts, f"max {max(samples_seconds) * 1000:.1f} ms"])


def verdict(value: float, target: float, *, at_most: bool = False) -> str:
    met = value <= target if at_most else value >= target
    return "meets the target" if met else "MISSES the target"


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux `/proc`)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_rss_bytes(pid: int) -> int:
    """Resident set size of a process (Linux `/proc`): the memory it holds in RAM now."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise ProcessLookupError(f"process {pid} has no VmRSS (a zombie?)")
