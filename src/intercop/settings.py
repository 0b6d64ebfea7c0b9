"""One typed settings object, read from ``INTERCOP_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Settings of one process; every field can be set as ``INTERCOP_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="INTERCOP_", extra="ignore")

    home: Path = Field(default=Path("intercop-data"), description="workspace folder")
    agency: str = Field(default="NL", description="owner agency of new datasets (ISO country)")
    log_level: str = Field(default="WARNING", description="logging level of the CLI")
    require_services: bool = Field(
        default=False, description="tests fail instead of skipping when a service is absent"
    )
    max_expansion_ratio: float = Field(
        default=200.0, description="refuse compressed inputs that expand more than this"
    )
    max_expanded_bytes: int = Field(
        default=64 * 1024**3, description="refuse compressed inputs that expand past this"
    )
    batch_rows: int = Field(default=65_536, description="rows per Arrow batch while ingesting")
    retention_days: int = Field(default=5 * 365, description="default retention of a dataset")
    user: str | None = Field(default=None, description="acting user of CLI commands")
    smtp_host: str = Field(default="127.0.0.1", description="SMTP server of the smtp channel")
    smtp_port: int = Field(default=25, description="SMTP port of the smtp channel")
    smtp_user: str | None = Field(default=None, description="SMTP login (AUTH), if needed")
    smtp_password: str | None = Field(
        default=None, description="SMTP password: from the environment only, never an option"
    )
    smtp_timeout: float = Field(default=30.0, description="seconds before an SMTP reply times out")
    webhook_url: str | None = Field(default=None, description="partner URL of the webhook channel")
    webhook_secret: str | None = Field(
        default=None, description="HMAC key that signs webhook deliveries"
    )
    web_secure_cookies: bool = Field(
        default=True,
        description="mark session cookies Secure (browsers keep them on https and localhost)",
    )
    web_session_minutes: int = Field(
        default=480, description="idle minutes before a web session ends"
    )
    web_max_body_bytes: int = Field(
        default=10 * 1024 * 1024, description="largest request body the web app accepts"
    )
    web_partner_rate: int = Field(
        default=60, description="partner API requests per token per minute"
    )
    exchange_retries: int = Field(
        default=3, description="attempts per bundle and push when a peer server is unreachable"
    )
    exchange_timeout: float = Field(
        default=30.0, description="seconds before a peer server's answer times out"
    )
    database_url: str | None = Field(
        default=None,
        description="case store (SQLAlchemy URL); default sqlite:///<workspace>/cases.db",
    )


def get_settings() -> Settings:
    """Read the settings from the environment (cheap; not cached so tests can vary it)."""
    return Settings()
