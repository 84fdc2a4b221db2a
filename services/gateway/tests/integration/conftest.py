"""A real auth service (a process, as in the fleet), an upstream that echoes what reaches it, and the gateway
in-process between them, all on this run's database, exchange and Redis prefix."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import uvicorn
from nocturna_gateway.bootstrap import GatewayService
from nocturna_gateway.settings import EdgeAuthSettings, GatewaySettings, UpstreamSettings
from nocturna_platform.settings import TokenVerificationSettings
from nocturna_platform.testing.plugin import TestRun
from nocturna_platform.testing.service_processes import free_port, migrate, running_services, service_command
from nocturna_platform.testing.serving import serving
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.gateway.tests.integration.stack import Producer, Stack, running_stack

ROOT = Path(__file__).resolve().parents[4]
ISSUER = "http://gateway.test"
PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class AuthProcess:
    url: str
    env: dict[str, str]
    client_id: str
    client_secret: str
    admin_email: str

    def command(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            service_command("auth", *args),
            check=False,
            env=self.env,
            cwd=ROOT,
            input=stdin,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout


@pytest.fixture(scope="session")
def auth_process(test_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthProcess]:
    port = free_port()
    env = {
        **os.environ,
        **test_env,
        "ISSUING__ISSUER": ISSUER,
        "ISSUING__KEY_RELOAD_SECONDS": "0",  # a rotation by the CLI signs the next token at once
        "PASSWORD_HASHING__TIME_COST": "1",
        "PASSWORD_HASHING__MEMORY_COST_KIB": "8192",
        "LOGIN_THROTTLE__IP_THRESHOLD": "1000000",
        "TOKENS__ISSUER": ISSUER,
        "TOKENS__JWKS_URL": f"http://127.0.0.1:{port}/.well-known/jwks.json",
    }
    migrate(["auth"], env, cwd=ROOT)
    seed = AuthProcess(f"http://127.0.0.1:{port}", env, "", "", f"admin-{uuid.uuid4().hex[:8]}@example.com")
    created = dict(
        line.split(": ", 1)
        for line in seed.command("create-service-client", "gateway").splitlines()
        if ": " in line
    )
    seed.command("create-admin", seed.admin_email, "--password-stdin", stdin=PASSWORD + "\n")
    process = AuthProcess(seed.url, env, created["client_id"], created["client_secret"], seed.admin_email)
    with running_services({"auth": port}, env, tmp_path_factory.mktemp("auth-logs"), cwd=ROOT):
        yield process


@dataclass
class EchoUpstream:
    """Stands for chart, subscription and geocoding: answers every request with what reached it. Also serves
    auth's JWKS through `/jwks.json`, counting fetches."""

    auth_url: str
    url: str = ""
    seen: list[dict[str, object]] = field(default_factory=list)
    jwks_fetches: int = 0

    def app(self) -> Starlette:
        return Starlette(
            routes=[Route("/jwks.json", self.jwks), Route("/{path:path}", self.echo, methods=["GET", "POST"])]
        )

    async def echo(self, request: Request) -> JSONResponse:
        seen = {"path": request.url.path, "headers": dict(request.headers)}
        self.seen.append(seen)
        return JSONResponse(seen)

    async def jwks(self, request: Request) -> Response:
        self.jwks_fetches += 1
        async with httpx.AsyncClient() as client:
            answer = await client.get(f"{self.auth_url}/.well-known/jwks.json")
        return Response(answer.content, answer.status_code, media_type="application/json")


@pytest.fixture(scope="session")
async def upstream(auth_process: AuthProcess) -> AsyncIterator[EchoUpstream]:
    echo = EchoUpstream(auth_process.url)
    port = free_port()
    echo.url = f"http://127.0.0.1:{port}"
    server = uvicorn.Server(
        uvicorn.Config(echo.app(), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    yield echo
    server.should_exit = True
    await task


@dataclass
class Gateway:
    service: GatewayService
    client: httpx.AsyncClient
    auth: AuthProcess
    upstream: EchoUpstream

    async def sign_in(self, email: str, password: str = PASSWORD) -> str:
        response = await self.client.post(
            "/api/v1/auth/token", data={"grant_type": "password", "username": email, "password": password}
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    async def new_user(self) -> str:
        email = f"user-{uuid.uuid4().hex[:12]}@example.com"
        response = await self.client.post(
            "/api/v1/auth/register", json={"email": email, "password": PASSWORD}
        )
        assert response.status_code == 201, response.text
        return email


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def claims(token: str) -> dict[str, object]:
    payload = token.split(".")[1]
    decoded: dict[str, object] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return decoded


@pytest.fixture(scope="session")
async def edge_gateway(
    test_env: dict[str, str], auth_process: AuthProcess, upstream: EchoUpstream
) -> AsyncIterator[Gateway]:
    """The gateway in front of a real auth process and an echo upstream, for edge authentication."""
    settings = GatewaySettings(
        upstreams=UpstreamSettings(
            auth=auth_process.url, chart=upstream.url, subscription=upstream.url, geocoding=upstream.url
        ),
        tokens=TokenVerificationSettings(
            jwks_url=f"{upstream.url}/jwks.json", issuer=ISSUER, jwks_min_refresh_seconds=1.0
        ),
        edge_auth=EdgeAuthSettings(
            service_client_id=auth_process.client_id,
            service_client_secret=SecretStr(auth_process.client_secret),
        ),
    )
    service = GatewayService(settings)
    async with serving(service, base_url=ISSUER) as client:
        yield Gateway(service, client, auth_process, upstream)


@pytest.fixture(scope="session")
def stack(test_run: TestRun, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(test_run, tmp_path_factory.mktemp("gateway-logs")) as stack:
        yield stack


@pytest.fixture
async def producer(stack: Stack) -> AsyncIterator[Producer]:
    producer = await Producer.open(stack.run)
    yield producer
    await producer.connection.close()
