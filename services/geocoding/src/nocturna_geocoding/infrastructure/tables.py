"""Tables of the `geocoding` schema (filled by the seed command, read-only for the service).

`place_names` (one folded spelling per row, trigram-indexed) is reached with SQL only, in `sql_places.py`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Text
from sqlmodel import Field, SQLModel

SCHEMA = "geocoding"


class PlaceRow(SQLModel, table=True):
    """A GeoNames place (the id is the GeoNames id, stable across data releases); `admin1` is the area's name."""

    __tablename__ = "places"
    __table_args__ = {"schema": SCHEMA}

    id: int = Field(primary_key=True)
    name: str = Field(sa_column=Column(Text, nullable=False))
    ascii_name: str = Field(sa_column=Column(Text, nullable=False))
    country_code: str = Field(sa_column=Column(Text, nullable=False))
    admin1_code: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    admin1: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    latitude: float
    longitude: float
    timezone: str = Field(sa_column=Column(Text, nullable=False))
    population: int = 0


class CountryRow(SQLModel, table=True):
    __tablename__ = "countries"
    __table_args__ = {"schema": SCHEMA}

    code: str = Field(sa_column=Column(Text, primary_key=True))
    name: str = Field(sa_column=Column(Text, nullable=False))


class SeedRunRow(SQLModel, table=True):
    """The dataset loaded last and its counts: the seed skips a dataset already loaded whole."""

    __tablename__ = "seed_runs"
    __table_args__ = {"schema": SCHEMA}

    dataset: str = Field(sa_column=Column(Text, primary_key=True))
    places: int
    names: int
    seeded_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
