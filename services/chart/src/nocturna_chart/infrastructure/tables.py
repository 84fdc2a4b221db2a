"""Tables of the `chart` schema."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from nocturna_platform.messaging.tables import messaging_tables
from sqlalchemy import Column, DateTime, Text
from sqlmodel import Field, SQLModel

SCHEMA = "chart"


class EntitlementRow(SQLModel, table=True):
    __tablename__ = "entitlements"
    __table_args__ = {"schema": SCHEMA}

    user_id: UUID = Field(primary_key=True)
    plan_code: str = Field(sa_column=Column(Text, nullable=False))
    charts_per_month: int | None = None
    saved_charts: int | None = None
    synastry: bool
    transits: bool
    batch: bool
    version: int
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


MESSAGING = messaging_tables(SQLModel.metadata, SCHEMA)
