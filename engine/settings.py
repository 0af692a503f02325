"""Configuration from environment variables (and a ``.env`` file), read once at the edge."""

from __future__ import annotations

import re
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from engine.errors import ConfigError


class Settings(BaseSettings):
    """Everything the service needs to know about its surroundings."""

    model_config = SettingsConfigDict(
        env_prefix="RESOLUTE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    db_url: str = "sqlite://resolute.sqlite3"
    timezone: str = "Europe/Moscow"
    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    telegram_timeout_s: float = Field(default=10.0, gt=0)
    # MAX (the national messenger): the token turns it on; the host is the platform's current
    # one (its docs moved bots from platform-api.max.ru); its certificate is issued by the
    # Russian Trusted Root CA, which a system may need to be told to trust (max_ca_file).
    max_token: SecretStr | None = None
    max_api_url: str = "https://platform-api2.max.ru"
    max_timeout_s: float = Field(default=10.0, gt=0)
    max_ca_file: str | None = None
    # Production receives MAX updates by webhook (the platform calls long polling a development
    # mode): `run` registers this public HTTPS URL and serves it on max_webhook_host:port behind
    # the organisation's reverse proxy; every push must carry max_webhook_secret.
    max_webhook_url: str | None = None
    max_webhook_secret: SecretStr | None = None
    max_webhook_host: str = "127.0.0.1"
    max_webhook_port: int = Field(default=8081, gt=0, lt=65536)
    secret: SecretStr | None = None
    templates_dir: str | None = None
    run_interval_s: float = Field(default=30.0, ge=0.2, le=3600)  # how often `run` looks for work
    # How often a `run` instance that does not poll Telegram tries to take over polling
    leader_retry_s: float = Field(default=5.0, ge=0.1, le=300)
    log_format: Literal["text", "json"] = "text"  # json: one object per line (journald, Loki)
    # `run` serves Prometheus /metrics and /healthz on this port when set (engine/ops/metrics.py)
    metrics_port: int | None = Field(default=None, gt=0, lt=65536)
    metrics_host: str = "127.0.0.1"  # loopback by default; 0.0.0.0 inside a container

    smtp_host: str | None = None
    smtp_port: int | None = Field(default=None, gt=0, lt=65536)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: Literal["none", "starttls", "tls"] = "starttls"
    smtp_from: str | None = None  # "Контроль исполнения <robot@example.org>"
    smtp_ca_file: str | None = None  # a private CA to trust (self-signed servers)
    smtp_timeout_s: float = Field(default=30.0, gt=0)
    smtp_pool_size: int = Field(default=2, ge=1, le=16)

    imap_host: str | None = None
    imap_port: int | None = Field(default=None, gt=0, lt=65536)
    imap_username: str | None = None
    imap_password: SecretStr | None = None
    imap_security: Literal["none", "tls"] = "tls"  # aioimaplib has no STARTTLS
    imap_mailbox: str = "INBOX"
    imap_ca_file: str | None = None
    imap_timeout_s: float = Field(default=30.0, gt=0)

    @model_validator(mode="after")
    def _mail_settings_complete(self) -> Settings:
        if self.smtp_host and not self.smtp_from:
            raise ValueError("RESOLUTE_SMTP_FROM обязателен, когда задан RESOLUTE_SMTP_HOST")
        if self.max_webhook_url and not self.max_webhook_secret:
            raise ValueError(
                "для RESOLUTE_MAX_WEBHOOK_URL нужен RESOLUTE_MAX_WEBHOOK_SECRET "
                "(5–256 символов: латиница, цифры, _ и -)"
            )
        if self.max_webhook_url and not self.max_webhook_url.startswith("https://"):
            raise ValueError("RESOLUTE_MAX_WEBHOOK_URL должен начинаться с https://")
        if self.imap_host and not (self.imap_username and self.imap_password):
            raise ValueError("для RESOLUTE_IMAP_HOST нужны RESOLUTE_IMAP_USERNAME и _PASSWORD")
        return self

    @field_validator("max_webhook_secret")
    @classmethod
    def _webhook_secret_form(cls, value: SecretStr | None) -> SecretStr | None:
        # The platform takes 5–256 characters of [A-Za-z0-9_-] (its subscriptions API).
        if value is not None and not re.fullmatch(
            r"[A-Za-z0-9_-]{5,256}", value.get_secret_value()
        ):
            raise ValueError("5–256 символов: латиница, цифры, _ и -")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host)

    @property
    def imap_enabled(self) -> bool:
        return bool(self.imap_host)

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_token is not None and bool(self.telegram_token.get_secret_value())

    @property
    def max_enabled(self) -> bool:
        return self.max_token is not None and bool(self.max_token.get_secret_value())

    def require_secret(self) -> bytes:
        """The signing key; required as soon as a channel is on."""
        if self.secret is None or len(self.secret.get_secret_value()) < 16:
            raise ConfigError(
                "RESOLUTE_SECRET должен быть задан (не короче 16 символов), "
                "когда включён Telegram, MAX или почта: им подписываются кнопки и ссылки."
            )
        return self.secret.get_secret_value().encode()


def load_settings() -> Settings:
    """Read the settings, turning pydantic's error into one a user can act on."""
    try:
        return Settings()
    except ValidationError as exc:
        lines = [
            f"RESOLUTE_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            if err["loc"]
            else str(err["msg"]).removeprefix("Value error, ")
            for err in exc.errors()
        ]
        raise ConfigError("Ошибка настроек:\n" + "\n".join(lines)) from None
