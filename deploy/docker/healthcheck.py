"""Docker HEALTHCHECK: the service's liveness probe on its own port (HTTP__PORT, else its default)."""

import os
import sys
import urllib.request

DEFAULT_PORTS = {"gateway": 8000, "auth": 8001, "chart": 8002, "subscription": 8003, "geocoding": 8004}

service = os.environ.get("NOCTURNA_SERVICE", "")
port = os.environ.get("HTTP__PORT") or DEFAULT_PORTS.get(service, 8000)
try:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/live", timeout=3) as response:
        sys.exit(0 if response.status == 200 else 1)
except OSError:
    sys.exit(1)
