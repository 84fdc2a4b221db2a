"""The figures of the mixed load and the step load, from the samples the load tool wrote: per-route rates and
percentiles with the reasons of any error, memory growth against a noise threshold, the knee of a step load,
the machine, and the result file. Pure functions over plain data, so they are unit-tested without a fleet."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.report import percentile

ALL_HTTP = "all HTTP requests"
PASSWORD_LOGIN = "POST /api/v1/auth/token (password)"  # noqa: S105 - a route name
INTERACTIVE_HTTP = "HTTP requests but password logins"
"""What the knee's p99 is taken over. A password login is slow by design (0.3 s of argon2id CPU at the
deployed cost on this machine's cores, before any queueing), and an app does it once per device: at 1.8 % of the
requests it would make the p99 of everything the p99 of logins. Its own line is reported at every step, and
its errors count."""
KNEE_P99_MS = 200.0
DELIVERED_SHARE = 0.95
"""A step passes only if the load tool delivered this share of the rate it was asked for: past the point where
the users cannot keep their pace, the offered rate is a figure nobody measured."""
MEMORY_GROWTH_MIB = 16.0
MEMORY_GROWTH_SHARE = 0.10
"""A process's RSS may grow from start to end by the larger of these before it counts as growth: allocator
arenas, connection pools reaching their size and bounded caches filling move a Python process by a few MiB."""


@dataclass(frozen=True)
class Sample:
    """One request (or WebSocket exchange) the load tool timed; `reason` says why it failed, None if it did not."""

    started: float
    route: str
    milliseconds: float
    reason: str | None = None


@dataclass
class RouteFigures:
    route: str
    requests: int
    per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    error_reasons: dict[str, int] = field(default_factory=dict)


def read_samples(lines: Iterable[str]) -> list[Sample]:
    """The samples of a JSON-lines file written by `bench/load_users.py` (`{"t", "route", "ms", "reason"}`)."""
    samples = []
    for line in lines:
        if line.strip():
            record = json.loads(line)
            samples.append(Sample(record["t"], record["route"], record["ms"], record.get("reason")))
    return samples


def failure_reason(status: int, body: str | None, error: BaseException) -> str:
    """Why a request failed, short enough to count by: `<status> <problem code>` for an answer (the status
    alone when the body is no problem), the exception for no answer (status 0)."""
    if not status:
        return f"{type(error).__name__}: {error}"
    try:
        problem = json.loads(body or "")
    except ValueError:
        problem = None
    code = problem.get("code") if isinstance(problem, dict) else None
    return f"{status} {code}" if isinstance(code, str) else str(status)


def measured(samples: Sequence[Sample], start: float, end: float) -> list[Sample]:
    """The samples of requests started in [start, end): warm-up and the stop are left out."""
    return [sample for sample in samples if start <= sample.started < end]


def route_figures(samples: Sequence[Sample], seconds: float) -> list[RouteFigures]:
    """Per route (sorted by name), then `ALL_HTTP` over the HTTP requests and `INTERACTIVE_HTTP` over those
    but password logins; `seconds` is the measured window.

    WebSocket exchanges (routes starting `WS `) get their own lines but stay out of `ALL_HTTP`: a chart's event
    reaching its socket is not a request, and counting it would inflate the request rate."""
    by_route: dict[str, list[Sample]] = {}
    for sample in samples:
        by_route.setdefault(sample.route, []).append(sample)
    figures = [_figures(route, by_route[route], seconds) for route in sorted(by_route)]
    if requests := [sample for sample in samples if not sample.route.startswith("WS ")]:
        figures.append(_figures(ALL_HTTP, requests, seconds))
    if interactive := [sample for sample in requests if sample.route != PASSWORD_LOGIN]:
        figures.append(_figures(INTERACTIVE_HTTP, interactive, seconds))
    return figures


def overall(figures: Sequence[RouteFigures]) -> RouteFigures | None:
    """The `ALL_HTTP` line of `route_figures`, None when no request was measured."""
    return next((figure for figure in figures if figure.route == ALL_HTTP), None)


def interactive(figures: Sequence[RouteFigures]) -> RouteFigures | None:
    """The `INTERACTIVE_HTTP` line of `route_figures`, None when no such request was measured."""
    return next((figure for figure in figures if figure.route == INTERACTIVE_HTTP), None)


def total_errors(figures: Sequence[RouteFigures]) -> int:
    """Errors of every route, WebSocket ones included."""
    return sum(figure.errors for figure in figures if figure.route not in (ALL_HTTP, INTERACTIVE_HTTP))


def _figures(route: str, samples: Sequence[Sample], seconds: float) -> RouteFigures:
    latencies = [sample.milliseconds for sample in samples]
    reasons = Counter(sample.reason for sample in samples if sample.reason is not None)
    return RouteFigures(
        route=route,
        requests=len(samples),
        per_second=len(samples) / seconds,
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
        p99_ms=percentile(latencies, 99),
        max_ms=max(latencies),
        errors=sum(reasons.values()),
        error_reasons=dict(reasons.most_common()),
    )


@dataclass(frozen=True)
class MemoryGrowth:
    process: str
    start_mib: float
    end_mib: float

    @property
    def growth_mib(self) -> float:
        return self.end_mib - self.start_mib

    @property
    def allowed_mib(self) -> float:
        return max(MEMORY_GROWTH_MIB, MEMORY_GROWTH_SHARE * self.start_mib)

    @property
    def grew(self) -> bool:
        return self.growth_mib > self.allowed_mib


def memory_growth(start: Mapping[str, float], end: Mapping[str, float]) -> list[MemoryGrowth]:
    """Each process measured at both ends (MiB), by name."""
    return [MemoryGrowth(name, start[name], end[name]) for name in sorted(start.keys() & end.keys())]


@dataclass(frozen=True)
class Step:
    """One step of the step load: the rate asked for, what was delivered, and how it went (`p99_ms` over
    `INTERACTIVE_HTTP`)."""

    offered_per_second: float
    per_second: float
    p99_ms: float
    errors: int

    @property
    def failure(self) -> str | None:
        """Why this step is past the knee, or None if it is within it."""
        reasons = []
        if self.errors:
            reasons.append(f"{self.errors} errors")
        if self.p99_ms > KNEE_P99_MS:
            reasons.append(f"p99 {self.p99_ms:.0f} ms > {KNEE_P99_MS:.0f} ms")
        if self.per_second < DELIVERED_SHARE * self.offered_per_second:
            reasons.append(f"{self.per_second:.1f} req/s delivered of {self.offered_per_second:g} asked")
        return "; ".join(reasons) or None


def knee(steps: Sequence[Step]) -> Step | None:
    """The highest step within the targets before the first that is not (steps in increasing rate): a lucky
    step after a failed one is noise, not capacity. None when the first step already fails."""
    best = None
    for step in steps:
        if step.failure is not None:
            break
        best = step
    return best


def cpu_model(cpuinfo: str) -> str:
    """The `model name` of the first processor in `/proc/cpuinfo` text ('unknown' when absent, e.g. on ARM)."""
    match = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    return match.group(1).strip() if match else "unknown"


def memory_total_gib(meminfo: str) -> float:
    """`MemTotal` of `/proc/meminfo` text, in GiB."""
    match = re.search(r"^MemTotal:\s*(\d+) kB$", meminfo, re.MULTILINE)
    if match is None:
        raise ValueError("no MemTotal line in the meminfo text")
    return int(match.group(1)) / 1024 / 1024


def write_result(directory: Path, name: str, result: Mapping[str, Any]) -> Path:
    """`<directory>/<name>.json` (directory created, an earlier result of that name replaced), dataclasses as
    objects; the path written."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
        raise ValueError(f"result name {name!r}: lowercase letters, digits, '-' and '_' only")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.json"
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(result, indent=2, default=_plain, sort_keys=False) + "\n")
    temporary.replace(path)
    return path


def _plain(value: object) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return asdict(value)  # type: ignore[call-overload]
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
