"""The figures of the mixed load and the step load (`bench/load_figures.py`), on samples made here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench.load_figures import (
    ALL_HTTP,
    INTERACTIVE_HTTP,
    PASSWORD_LOGIN,
    MemoryGrowth,
    Sample,
    Step,
    cpu_model,
    failure_reason,
    interactive,
    knee,
    measured,
    memory_growth,
    memory_total_gib,
    overall,
    read_samples,
    route_figures,
    total_errors,
    write_result,
)


def test_samples_are_read_from_json_lines_with_their_failure_reasons() -> None:
    lines = [
        '{"t": 10.0, "route": "GET /api/v1/charts", "ms": 4.5}',
        "",
        '{"t": 10.5, "route": "POST /api/v1/charts", "ms": 30.0, "reason": "503 database_unavailable"}',
    ]
    assert read_samples(lines) == [
        Sample(10.0, "GET /api/v1/charts", 4.5),
        Sample(10.5, "POST /api/v1/charts", 30.0, "503 database_unavailable"),
    ]


def test_the_measured_window_leaves_out_the_warm_up_and_the_stop() -> None:
    samples = [Sample(at, "GET /", 1.0) for at in (9.99, 10.0, 15.0, 19.99, 20.0)]
    assert [sample.started for sample in measured(samples, 10.0, 20.0)] == [10.0, 15.0, 19.99]


def test_each_route_gets_its_rate_percentiles_and_counted_error_reasons() -> None:
    charts = [Sample(0, "GET /api/v1/charts", float(ms)) for ms in range(1, 101)]
    failed = [
        Sample(0, "POST /api/v1/charts", 50.0, "503 database_unavailable"),
        Sample(0, "POST /api/v1/charts", 60.0, "503 database_unavailable"),
        Sample(0, "POST /api/v1/charts", 70.0, "ConnectionResetError: reset"),
        Sample(0, "POST /api/v1/charts", 10.0),
    ]
    figures = {figure.route: figure for figure in route_figures(charts + failed, seconds=10.0)}

    listing = figures["GET /api/v1/charts"]
    assert (listing.requests, listing.per_second) == (100, 10.0)
    assert (listing.p50_ms, listing.p95_ms, listing.p99_ms, listing.max_ms) == (50.0, 95.0, 99.0, 100.0)
    assert listing.errors == 0
    assert listing.error_reasons == {}
    creating = figures["POST /api/v1/charts"]
    assert creating.errors == 3
    assert creating.error_reasons == {"503 database_unavailable": 2, "ConnectionResetError: reset": 1}


def test_websocket_exchanges_have_lines_of_their_own_but_are_not_requests() -> None:
    samples = [
        Sample(0, "GET /api/v1/geo/timezone", 5.0),
        Sample(0, "GET /api/v1/geo/timezone", 7.0),
        Sample(0, "WS chart.chart.calculated.v1", 900.0, "TimeoutError: not on the socket within 10 s"),
    ]
    figures = route_figures(samples, seconds=2.0)

    requests = overall(figures)
    assert requests is not None
    assert requests.route == ALL_HTTP
    assert (requests.requests, requests.per_second, requests.max_ms, requests.errors) == (2, 1.0, 7.0, 0)
    assert [figure.route for figure in figures] == [
        "GET /api/v1/geo/timezone",
        "WS chart.chart.calculated.v1",
        ALL_HTTP,
        INTERACTIVE_HTTP,
    ]
    assert total_errors(figures) == 1


def test_the_knee_p99_leaves_out_password_logins_whose_errors_still_count() -> None:
    """A login is slow by design (argon2id): at 2 % of the requests it would be the p99 of everything."""
    samples = [Sample(0, "GET /api/v1/charts/{id}", 10.0 + i % 7) for i in range(98)]
    samples += [Sample(0, PASSWORD_LOGIN, 180.0), Sample(0, PASSWORD_LOGIN, 950.0, "503 overloaded")]
    figures = route_figures(samples, seconds=10.0)

    everything, held = overall(figures), interactive(figures)

    assert everything is not None
    assert held is not None
    assert (everything.requests, held.requests) == (100, 98)
    assert everything.p99_ms >= 180.0
    assert held.p99_ms == 16.0
    assert total_errors(figures) == 1


def test_no_samples_give_no_figures() -> None:
    assert route_figures([], seconds=1.0) == []
    assert overall([]) is None


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (503, '{"type": "about:blank", "code": "database_unavailable"}', "503 database_unavailable"),
        (502, "<html>bad gateway</html>", "502"),
        (500, "", "500"),
        (429, '["not", "a", "problem"]', "429"),
        (0, None, "ConnectionRefusedError: refused"),
    ],
)
def test_a_failure_reason_names_the_status_and_problem_code(
    status: int, body: str | None, reason: str
) -> None:
    assert failure_reason(status, body, ConnectionRefusedError("refused")) == reason


def test_memory_growth_beyond_the_larger_of_16_mib_and_10_percent_counts() -> None:
    small = MemoryGrowth("gateway-1", start_mib=100.0, end_mib=115.0)
    assert (small.allowed_mib, small.grew) == (16.0, False)
    assert MemoryGrowth("gateway-1", 100.0, 117.0).grew
    large = MemoryGrowth("geocoding-1", start_mib=400.0, end_mib=439.0)
    assert (large.allowed_mib, large.grew) == (40.0, False)
    assert MemoryGrowth("geocoding-1", 400.0, 441.0).grew
    assert not MemoryGrowth("chart-1", 150.0, 120.0).grew


def test_memory_growth_pairs_the_processes_measured_at_both_ends() -> None:
    growth = memory_growth(
        {"chart-2": 140.0, "auth-1": 150.0, "gone-1": 90.0}, {"auth-1": 151.5, "chart-2": 141.0}
    )
    assert [(entry.process, entry.growth_mib) for entry in growth] == [("auth-1", 1.5), ("chart-2", 1.0)]


def _step(rate: float, p99_ms: float = 50.0, errors: int = 0, delivered: float | None = None) -> Step:
    return Step(rate, rate if delivered is None else delivered, p99_ms, errors)


def test_the_knee_is_the_last_step_within_the_targets_before_the_first_that_misses() -> None:
    steps = [_step(10), _step(20, p99_ms=200.0), _step(40, p99_ms=250.0), _step(60)]
    assert knee(steps) == steps[1]  # 200 ms is within; the lucky 60 after a miss is noise


def test_an_error_or_an_undelivered_rate_ends_the_knee_too() -> None:
    assert knee([_step(10), _step(20, errors=1)]) == _step(10)
    assert knee([_step(10), _step(20, delivered=18.9)]) == _step(10)
    assert knee([_step(10), _step(20, delivered=19.0)]) == _step(20, delivered=19.0)


def test_no_knee_when_the_first_step_misses() -> None:
    assert knee([_step(10, p99_ms=201.0), _step(20)]) is None
    assert knee([]) is None


def test_a_failed_step_says_every_way_it_missed() -> None:
    failure = _step(100, p99_ms=480.0, errors=3, delivered=80.0).failure
    assert failure == "3 errors; p99 480 ms > 200 ms; 80.0 req/s delivered of 100 asked"
    assert _step(100).failure is None


def test_the_machine_is_read_from_proc_text() -> None:
    cpuinfo = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\nprocessor\t: 1\n"
    assert cpu_model(cpuinfo) == "AMD EPYC 7B13"
    assert cpu_model("processor\t: 0\nCPU implementer\t: 0x41\n") == "unknown"
    assert memory_total_gib("MemTotal:       24576000 kB\nMemFree:  1 kB\n") == pytest.approx(23.4375)
    with pytest.raises(ValueError, match="MemTotal"):
        memory_total_gib("MemFree: 1 kB\n")


@dataclass
class _Figure:
    route: str
    p99_ms: float


def test_a_result_is_written_as_json_replacing_the_last_one_of_its_name(tmp_path: Path) -> None:
    results = tmp_path / "bench" / "results"
    first = write_result(results, "load", {"errors": 1})
    path = write_result(results, "load", {"errors": 0, "routes": [_Figure("GET /api/v1/charts", 12.5)]})

    assert path == first == results / "load.json"
    assert json.loads(path.read_text()) == {
        "errors": 0,
        "routes": [{"route": "GET /api/v1/charts", "p99_ms": 12.5}],
    }
    assert sorted(item.name for item in results.iterdir()) == ["load.json"]


@pytest.mark.parametrize("name", ["../load", "Load", "", "load.json"])
def test_a_result_name_cannot_leave_the_results_directory(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="result name"):
        write_result(tmp_path, name, {})
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_value_is_refused_rather_than_written_half(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="object"):
        write_result(tmp_path, "load", {"when": object()})
    assert not (tmp_path / "load.json").exists()
