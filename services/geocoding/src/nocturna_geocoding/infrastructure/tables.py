"""Tables of the `geocoding` schema."""

from __future__ import annotations

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

SCHEMA = "geocoding"


class PlaceRow(SQLModel, table=True):
    """A GeoNames place (the id is the GeoNames id, stable across data releases)."""

    __tablename__ = "places"
    __table_args__ = {"schema": SCHEMA}

    id: int = Field(primary_key=True)
    name: str = Field(sa_column=Column(Text, nullable=False))
    ascii_name: str = Field(sa_column=Column(Text, nullable=False))
    country_code: str = Field(sa_column=Column(Text, nullable=False))
    admin1: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    latitude: float
    longitude: float
    timezone: str = Field(sa_column=Column(Text, nullable=False))
    population: int = 0
