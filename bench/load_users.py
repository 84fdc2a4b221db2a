"""The users of the mixed load, as a locustfile (`locust -f bench/load_users.py`, started by `bench/mixed_load.py`;
never imported by the benchmark's own process: importing locust monkey-patches it with gevent).

Each user is a distinct account of the signed-up pool (a business plan: no monthly quota), as an app would be
used: it arrives signed in (a session started before the run), keeps a WebSocket open to hear about its
charts, and then, at the pace the orchestrator sets (a fixed schedule per user from a random phase: think time
is the rate control), renews its session with its refresh token, now and then logs in again with its
password, creates charts, lists them, opens one, searches places and reads timezones. Every request, the
WebSocket handshake and the delivery of each created chart's `chart.chart.calculated.v1` to the socket are written as one JSON line to the samples
file, with the status and problem code of any failure.

Environment: `BENCH_LOAD_POOL` (the pool file: accounts and place names), `BENCH_LOAD_SAMPLES` (where samples go),
`BENCH_LOAD_TASKS_PER_SECOND` (each user's pace).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlencode

import gevent
import websocket
from locust import events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.env import Environment

from bench.births import random_birth
from bench.load_figures import failure_reason

DELIVERY_TIMEOUT_SECONDS = 10.0
"""A created chart whose event has not reached its owner's socket by then counts as an error."""
CHART_EVENT = "chart.chart.calculated.v1"
RECONNECT_MAX_SECONDS = 10.0
UNAUTHENTICATED = 4401
"""The gateway's close code when the access token expired while connected: log in again, reconnect."""

_POOL: dict[str, Any] = json.loads(Path(os.environ["BENCH_LOAD_POOL"]).read_text())
_ACCOUNTS = itertools.cycle(_POOL["accounts"])
_samples: IO[str] | None = None


def _open_samples(environment: Environment, **_: Any) -> None:
    global _samples  # noqa: PLW0603 - one samples file per load-tool process
    _samples = open(os.environ["BENCH_LOAD_SAMPLES"], "w")  # noqa: SIM115 - closed on quitting


def _mark_start(environment: Environment, **_: Any) -> None:
    assert _samples is not None
    _samples.write(json.dumps({"event": "start", "t": time.time()}) + "\n")
    _samples.flush()


def _record(
    request_type: str,
    name: str,
    response_time: float,
    response: Any = None,
    exception: BaseException | None = None,
    start_time: float | None = None,
    **_: Any,
) -> None:
    assert _samples is not None
    started = start_time if start_time is not None else time.time() - response_time / 1000
    record = {"t": started, "route": f"{request_type} {name}", "ms": round(response_time, 3)}
    if exception is not None:
        record["reason"] = _reason(response, exception)
    _samples.write(json.dumps(record) + "\n")


def _close_samples(environment: Environment, **_: Any) -> None:
    if _samples is not None:
        _samples.close()


_fire: Callable[..., None] = events.request.fire
"""Report a timed exchange as locust reports a request (locust's event hooks are untyped)."""
for _hook, _listener in (
    (events.init, _open_samples),
    (events.test_start, _mark_start),
    (events.request, _record),
    (events.quitting, _close_samples),
):
    _add: Callable[[Callable[..., None]], None] = _hook.add_listener
    _add(_listener)


def _reason(response: Any, exception: BaseException) -> str:
    body = getattr(response, "text", None)
    return failure_reason(
        getattr(response, "status_code", 0) or 0, body if isinstance(body, str) else None, exception
    )


def _close_code(data: bytes) -> int:
    """The code of a close frame's payload (1005: none given)."""
    return int.from_bytes(data[:2], "big") if len(data) >= 2 else 1005


class AppUser(FastHttpUser):
    """One account of the pool, used from an app with a WebSocket open."""

    tasks_per_second = float(os.environ.get("BENCH_LOAD_TASKS_PER_SECOND", "0.2"))

    def wait_time(self) -> float:
        """Each user on a fixed schedule of its own: one task every 1/rate s from a random phase. Locust's
        `constant_throughput` at the same rate measured 20-90 ms on a request the server answers in 3 ms (a
        50-user probe against geocoding: p50 26 ms against 3 ms with this), which hid the fleet's latency."""
        now = time.monotonic()
        self._next_at: float = max(getattr(self, "_next_at", now) + 1 / self.tasks_per_second, now)
        return self._next_at - now

    network_timeout = 30.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        # Users spawned together and paced at one constant rate would stay in step: every period, all of them at
        # once, a burst of hundreds of requests instead of a steady rate. A random phase spreads them evenly.
        gevent.sleep(random.uniform(0, 1 / self.tasks_per_second))  # noqa: S311 - pacing, not a secret
        account = next(_ACCOUNTS)
        self._email: str = account["email"]
        self._password: str = account["password"]
        self._charts: list[str] = [account["chart_id"]]
        self._rng = random.Random()  # noqa: S311 - request data, not secrets
        self._pending: dict[str, tuple[float, float]] = {}
        """Charts created and not yet heard of on the socket: id → (wall clock, monotonic) at the answer."""
        self._early: dict[str, float] = {}
        """Events heard before their create's answer was read: id → monotonic arrival."""
        self._token: str = account["access_token"]  # signed in before the run, as an app's user is
        self._refresh_token: str = account["refresh_token"]
        self._socket: websocket.WebSocket | None = None
        self._listener = gevent.spawn(self._listen)

    def on_stop(self) -> None:
        self._listener.kill(block=False)
        if self._socket is not None:
            self._socket.close()

    def on_task_start(self) -> bool:
        """Whether the next task may run: without a token (the last login failed) the user logs in instead, as
        an app would, rather than sending requests bound to fail with 401."""
        if self._token:
            return True
        self.login()
        return False

    @property
    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"}

    @task(1)
    def login(self) -> None:
        """A password login: 0.3 s of argon2id CPU in auth, so an app does it once per device, not per visit."""
        self._grant("password", {"username": self._email, "password": self._password})

    @task(3)
    def renew_session(self) -> None:
        """What an app does when its access token is about to expire: the refresh grant (the token rotates)."""
        if not self._refresh_token:
            self.login()
            return
        self._grant("refresh_token", {"refresh_token": self._refresh_token})

    def _grant(self, grant_type: str, fields: dict[str, str]) -> None:
        form = urlencode({"grant_type": grant_type, **fields})
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        with self.client.post(
            "/api/v1/auth/token",
            data=form,
            headers=headers,
            name=f"/api/v1/auth/token ({grant_type})",
            catch_response=True,
        ) as answer:
            if answer.status_code == 200:
                pair = answer.json()
                self._token, self._refresh_token = pair["access_token"], pair["refresh_token"]

    @task(8)
    def create_chart(self) -> None:
        if not self.on_task_start():
            return
        body = {"name": "load", "birth": random_birth(self._rng), "fold": 0}
        with self.client.post("/api/v1/charts", json=body, headers=self._auth, catch_response=True) as answer:
            if answer.status_code == 201:
                chart = answer.json()["id"]
                self._charts = [*self._charts[-19:], chart]
                self._expect(chart)

    @task(12)
    def list_charts(self) -> None:
        if not self.on_task_start():
            return
        self.client.get("/api/v1/charts?limit=20", headers=self._auth)

    @task(12)
    def get_chart(self) -> None:
        if not self.on_task_start():
            return
        chart = self._rng.choice(self._charts)
        self.client.get(f"/api/v1/charts/{chart}", headers=self._auth, name="/api/v1/charts/{id}")

    @task(12)
    def search_places(self) -> None:
        if not self.on_task_start():
            return
        name: str = self._rng.choice(_POOL["places"])
        query = name if len(name) < 5 or self._rng.random() < 0.5 else name[: self._rng.randint(3, len(name))]
        path = "/api/v1/geo/places?" + urlencode({"q": query, "limit": 10})
        self.client.get(path, headers=self._auth, name="/api/v1/geo/places?q=")

    @task(8)
    def timezone(self) -> None:
        if not self.on_task_start():
            return
        point = {"lat": round(self._rng.uniform(-60, 70), 4), "lon": round(self._rng.uniform(-180, 180), 4)}
        path = "/api/v1/geo/timezone?" + urlencode({**point, "local": "1985-07-14T12:00:00"})
        self.client.get(path, headers=self._auth, name="/api/v1/geo/timezone")

    def _expect(self, chart: str) -> None:
        answered = time.monotonic()
        if (heard := self._early.pop(chart, None)) is not None:
            self._delivered(time.time(), max(heard - answered, 0.0))
        else:
            self._pending[chart] = (time.time(), answered)

    def _listen(self) -> None:
        """Hold the socket: answer pings, time chart events, count late ones; reconnect when it closes."""
        backoff = 1.0
        while True:
            if self._socket is None:
                if not self._token or not self._connect():
                    gevent.sleep(backoff)
                    backoff = min(backoff * 2, RECONNECT_MAX_SECONDS)
                    continue
                backoff = 1.0
            assert self._socket is not None
            try:
                opcode, data = self._socket.recv_data(control_frame=True)
            except websocket.WebSocketTimeoutException:
                opcode, data = None, b""
            except (websocket.WebSocketException, OSError) as error:
                self._lost(f"WebSocket broke: {type(error).__name__}: {error}")
                continue
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                code = _close_code(data)
                self._lost(None if code == UNAUTHENTICATED else f"WebSocket closed by the gateway: {code}")
            elif opcode == websocket.ABNF.OPCODE_TEXT:
                self._frame(json.loads(data))
            self._expire()

    def _connect(self) -> bool:
        """Connect and authenticate; the handshake is timed as a request of its own."""
        url = str(self.host).replace("http://", "ws://", 1) + "/api/v1/ws"
        started, began = time.time(), time.perf_counter()
        try:
            socket = websocket.create_connection(url, timeout=10)
            socket.send(json.dumps({"type": "auth", "token": self._token}))
            opcode, data = socket.recv_data(control_frame=True)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                socket.close()
                raise ConnectionError(f"closed {_close_code(data)} instead of ready")
            if (answer := json.loads(data)).get("type") != "ready":
                socket.close()
                raise ConnectionError(f"answered {answer} to auth")
        except (websocket.WebSocketException, OSError, ValueError) as error:
            self._exchange("/api/v1/ws connect", started, began, error)
            return False
        socket.settimeout(1.0)
        self._socket = socket
        self._exchange("/api/v1/ws connect", started, began)
        return True

    def _lost(self, reason: str | None) -> None:
        if reason is not None:
            self._exchange("/api/v1/ws held", time.time(), time.perf_counter(), ConnectionError(reason))
        if self._socket is not None:
            self._socket.close()
        self._socket = None

    def _frame(self, frame: dict[str, Any]) -> None:
        if frame.get("type") == "ping":
            assert self._socket is not None
            self._socket.send('{"type":"pong"}')
        elif frame.get("type") == CHART_EVENT:
            chart = str(frame["data"]["chart_id"])
            if (created := self._pending.pop(chart, None)) is not None:
                self._delivered(created[0], time.monotonic() - created[1])
            else:
                self._early[chart] = time.monotonic()

    def _delivered(self, created: float, seconds: float) -> None:
        _fire(
            request_type="WS",
            name=CHART_EVENT,
            response_time=seconds * 1000,
            response_length=0,
            exception=None,
            start_time=created,
        )

    def _expire(self) -> None:
        now = time.monotonic()
        for chart, (created, answered) in list(self._pending.items()):
            if now - answered > DELIVERY_TIMEOUT_SECONDS:
                del self._pending[chart]
                late = TimeoutError(f"not on the socket within {DELIVERY_TIMEOUT_SECONDS:g} s")
                _fire(
                    request_type="WS",
                    name=CHART_EVENT,
                    response_time=(now - answered) * 1000,
                    response_length=0,
                    exception=late,
                    start_time=created,
                )

    def _exchange(self, name: str, started: float, began: float, error: BaseException | None = None) -> None:
        _fire(
            request_type="WS",
            name=name,
            response_time=(time.perf_counter() - began) * 1000,
            response_length=0,
            exception=error,
            start_time=started,
        )
