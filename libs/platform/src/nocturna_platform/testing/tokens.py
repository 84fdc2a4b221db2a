"""Access tokens signed the way auth signs them, and the JWKS that publishes their key: for tests and benchmarks
that put a real verifier (a service, the gateway's edge) in front of tokens they mint themselves."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from uuid import UUID

from nocturna_platform.clock import utc_now
from nocturna_platform.security.signing import SigningKey, issue_access_token
from nocturna_platform.settings import TokenVerificationSettings


def jwks_document(*keys: SigningKey) -> dict[str, Any]:
    """The JWKS auth publishes at `/.well-known/jwks.json` for these keys."""
    return {"keys": [key.public_jwk() for key in keys]}


def access_token(
    key: SigningKey,
    settings: TokenVerificationSettings,
    *,
    subject: UUID | None = None,
    session: bool = True,
    roles: Iterable[str] = ("user",),
    scopes: Iterable[str] = (),
    ttl: timedelta = timedelta(minutes=15),
) -> str:
    """A token as auth would issue it: a user's session token unless `session=False` (client credentials,
    or the token auth exchanges an API key for)."""
    return issue_access_token(
        key,
        issuer=settings.issuer,
        audience=settings.audience,
        subject=subject or uuid.uuid4(),
        session_id=uuid.uuid4() if session else None,
        roles=roles,
        scopes=scopes,
        ttl=ttl,
        now=utc_now(),
        token_id=uuid.uuid4().hex,
    )


@contextmanager
def serving_jwks(key: SigningKey) -> Iterator[str]:
    """The URL of a JWKS publishing `key`'s public part, served from a thread until the block ends (for
    verifiers in other processes)."""
    document = json.dumps(jwks_document(key)).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(document)))
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json"
    finally:
        server.shutdown()
        server.server_close()
