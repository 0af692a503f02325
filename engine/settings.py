"""Configuration from environment variables (and a ``.env`` file), read once at the edge."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
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
    secret: SecretStr | None = None
    templates_dir: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_token is not None and bool(self.telegram_token.get_secret_value())

    def require_secret(self) -> bytes:
        """The signing key; required as soon as a channel is on."""
        if self.secret is None or len(self.secret.get_secret_value()) < 16:
            raise ConfigError(
                "RESOLUTE_SECRET должен быть задан (не короче 16 символов), "
                "когда включён Telegram или почта: им подписываются кнопки и ссылки."
            )
        return self.secret.get_secret_value().encode()


def load_settings() -> Settings:
    """Read the settings, turning pydantic's error into one a user can act on."""
    try:
        return Settings()
    except ValidationError as exc:
        lines = [
            f"RESOLUTE_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            for err in exc.errors()
        ]
        raise ConfigError("Ошибка настроек:\n" + "\n".join(lines)) from None
