"""Every broker connection carries a name saying which service, process and run opened it."""

from __future__ import annotations

import os
import socket
from urllib.parse import parse_qs, urlsplit

from nocturna_platform.messaging.broker import named_amqp_url
from nocturna_platform.settings import MessagingSettings, ServiceSettings


def _name(url: str) -> str:
    return parse_qs(urlsplit(url).query)["name"][0]


def test_the_name_starts_with_the_queue_prefix_and_names_the_service_role_host_and_process() -> None:
    settings = ServiceSettings(service_name="chart", messaging=MessagingSettings(queue_prefix="test-abc."))
    here = f"{socket.gethostname()}:{os.getpid()}"
    assert _name(named_amqp_url(settings)) == f"test-abc.chart@{here}"
    assert _name(named_amqp_url(settings, "dlq-monitor")) == f"test-abc.chart-dlq-monitor@{here}"


def test_other_query_parameters_and_a_chosen_name_are_kept() -> None:
    url = named_amqp_url(ServiceSettings(amqp_url="amqp://u:p@broker:5672/vh?heartbeat=30"))  # type: ignore[arg-type]
    assert url.startswith("amqp://u:p@broker:5672/vh?heartbeat=30&name=")
    chosen = ServiceSettings(amqp_url="amqp://u:p@broker:5672/?name=mine")  # type: ignore[arg-type]
    assert named_amqp_url(chosen) == "amqp://u:p@broker:5672/?name=mine"
