"""Composition root of the geocoding service (no domain layer: it reads reference data)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from nocturna_platform.shell import Persistence, ServiceShell

from nocturna_geocoding.api.routes import router
from nocturna_geocoding.infrastructure.places import SqlPlaceReader
from nocturna_geocoding.infrastructure.tables import SCHEMA
from nocturna_geocoding.settings import GeocodingSettings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


class GeocodingService:
    def __init__(self, settings: GeocodingSettings | None = None) -> None:
        settings = settings or GeocodingSettings()
        self.shell = shell = ServiceShell(
            settings, persistence=Persistence(SCHEMA, MIGRATIONS), uses_broker=False
        )
        assert shell.session_factory is not None
        self.app: FastAPI = shell.create_app(title="Nocturna geocoding", version="1.0.0", routers=[router])
        self.app.state.places = SqlPlaceReader(shell.session_factory)
