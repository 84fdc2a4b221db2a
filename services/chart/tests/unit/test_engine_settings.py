from __future__ import annotations

import pytest
from nocturna_chart.settings import ChartSettings, EngineSettings, RemoteEngineSettings
from pydantic import SecretStr, ValidationError


def test_the_remote_engine_needs_a_service_token() -> None:
    with pytest.raises(ValidationError, match="SERVICE_TOKEN"):
        ChartSettings(engine=EngineSettings(kind="remote"))


def test_the_in_flight_cap_stays_below_the_upstream_stall_point() -> None:
    with pytest.raises(ValidationError, match="max_in_flight"):
        RemoteEngineSettings(service_token=SecretStr("t"), max_in_flight=16)


def test_remote_settings_come_from_nested_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENGINE__KIND", "remote")
    monkeypatch.setenv("ENGINE__REMOTE__SERVICE_TOKEN", "secret-token")
    monkeypatch.setenv("ENGINE__REMOTE__MAX_IN_FLIGHT", "4")

    settings = ChartSettings()

    assert settings.engine.kind == "remote"
    assert settings.engine.remote.max_in_flight == 4
    assert "secret-token" not in repr(settings)
