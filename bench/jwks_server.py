"""A JWKS served from the benchmark process, so the gateway verifies tokens the benchmark signs itself."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from nocturna_platform.clock import utc_now
from nocturna_platform.security.signing import SigningKey, issue_access_token
from nocturna_platform.settings import TokenVerificationSettings


@contextmanager
def serving_jwks(key: SigningKey) -> Iterator[str]:
    """The URL of a JWKS publishing `key`'s public part, served until the block ends."""
    document = json.dumps({"keys": [key.public_jwk()]}).encode()

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


def access_token(key: SigningKey, settings: TokenVerificationSettings) -> str:
    """A user's session token as auth would issue it, valid for the benchmark's duration."""
    return issue_access_token(
        key,
        issuer=settings.issuer,
        audience=settings.audience,
        subject=uuid.uuid4(),
        session_id=uuid.uuid4(),
        roles=["user"],
        scopes=[],
        ttl=timedelta(minutes=15),
        now=utc_now(),
        token_id=uuid.uuid4().hex,
    )
