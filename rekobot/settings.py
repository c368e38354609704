"""Settings, read from the environment and `.env` with the prefix ``REKOBOT_``."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BeforeValidator, Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from rekobot.i18n import SHIPPED_LOCALES
from storage.engines import Address, parse_address

# What @BotFather hands out: "<bot id>:<35 url-safe characters>".
TOKEN_PATTERN = re.compile(r"^\d{5,}:[A-Za-z0-9_-]{30,}$")
PLACEHOLDER_TOKENS = {"", "changeme", "your-token-here", "123456:abc"}


# What Telegram accepts as a webhook's secret_token: 1-256 of these characters.
WEBHOOK_SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
LISTEN_PATTERN = re.compile(r"^(?P<host>[^\s:]+|\[[0-9A-Fa-f:.]+\]):(?P<port>\d{1,5})$")


def listen_address(value: str) -> tuple[str, int]:
    """Split ``host:port`` (``[::1]:8080`` for IPv6) into the host and the port."""
    match = LISTEN_PATTERN.match(value.strip())
    if match is None or not 0 < int(match["port"]) < 65536:
        raise ValueError(f"give an address such as 127.0.0.1:8080, not {value!r}")
    return match["host"].strip("[]"), int(match["port"])


class Settings(BaseSettings):
    """Everything an operator can configure."""

    model_config = SettingsConfigDict(
        env_prefix="REKOBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    token: SecretStr = SecretStr("")
    # A SQLite file's path, or a postgresql:// URL for several workers on one store.
    database: Annotated[Address, BeforeValidator(parse_address)] = Path("rekobot.sqlite3")
    api_base_url: str = "https://api.telegram.org/bot"
    api_file_url: str = ""
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    default_locale: str = "nb"
    timezone: str = "Europe/Oslo"
    log_level: str = "INFO"
    # Outbox: messages per second overall, kept below Telegram's ~30/s.
    outbox_rate: float = Field(default=25.0, gt=0, le=30)
    # How often the sweep looks for due digests, reminders and deliveries (seconds).
    sweep_interval: float = Field(default=20.0, gt=0)
    # Days a sent, failed or blocked delivery is kept in the outbox; then only its dedupe key.
    delivery_retention_days: int = Field(default=30, ge=1)
    # Backups: with a folder set, the bot copies the database there every night at backup_at
    # (in the timezone above) and keeps the newest backup_keep copies; `rekobot backup` writes
    # there too. Unset: no nightly backup.
    backup_dir: Path | None = None
    backup_keep: int = Field(default=14, ge=1)
    backup_at: time = time(3, 0)
    # Webhook mode: with a URL set, Telegram POSTs updates to it (through a reverse proxy that
    # forwards to webhook_listen) instead of the bot long-polling getUpdates. The secret is
    # required then: Telegram sends it in every request, so nobody else can inject updates.
    webhook_url: str = ""
    webhook_secret: SecretStr = Field(default=SecretStr(""), validate_default=True)
    webhook_listen: str = "127.0.0.1:8080"
    # Where long polling serves GET /healthz (host:port); empty: no health endpoint.
    health_listen: str = ""
    # GET /metrics (Prometheus) on the server of /healthz, the webhook's or health_listen's.
    metrics: bool = False

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        """Accept ``1,2 3`` as well as a list."""
        if isinstance(value, str):
            return frozenset(int(part) for part in re.split(r"[,\s]+", value.strip()) if part)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("backup_dir", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """``REKOBOT_BACKUP_DIR=`` (as in .env.example) means no backup folder."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("backup_at")
    @classmethod
    def _wall_clock_time(cls, value: time) -> time:
        if value.tzinfo is not None:
            raise ValueError("give a time of day such as 03:00; REKOBOT_TIMEZONE sets the zone")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("give the public https:// address Telegram should POST updates to")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_with_url(cls, value: SecretStr, info: ValidationInfo) -> SecretStr:
        """A webhook without a secret would take updates from anyone who finds the URL."""
        secret = value.get_secret_value()
        if info.data.get("webhook_url") and not secret:
            raise ValueError(
                "required when REKOBOT_WEBHOOK_URL is set: choose a random string of up to "
                "256 letters, digits, _ or - (for example `openssl rand -hex 32`)"
            )
        if secret and not WEBHOOK_SECRET_PATTERN.match(secret):
            raise ValueError("use 1 to 256 letters, digits, _ or - (Telegram allows no others)")
        return value

    @field_validator("webhook_listen", "health_listen")
    @classmethod
    def _host_and_port(cls, value: str, info: ValidationInfo) -> str:
        value = value.strip()
        if value or info.field_name == "webhook_listen":
            listen_address(value)
        return value

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in SHIPPED_LOCALES:
            raise ValueError(f"must be one of {', '.join(SHIPPED_LOCALES)}")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value

    @property
    def api_file_base_url(self) -> str:
        """Where files are fetched from: derived from the API address unless set."""
        if self.api_file_url:
            return self.api_file_url
        return self.api_base_url.removesuffix("/bot") + "/file/bot"

    @property
    def webhook(self) -> bool:
        """Whether updates come by webhook (a URL is set) rather than by long polling."""
        return bool(self.webhook_url)

    def token_problem(self) -> str | None:
        """Say what is wrong with the token, or None when it looks like a real one."""
        raw = self.token.get_secret_value().strip()
        if raw.lower() in PLACEHOLDER_TOKENS:
            return "missing"
        if not TOKEN_PATTERN.match(raw) or "your" in raw.lower() or "xxxx" in raw.lower():
            return "placeholder"
        return None


TOKEN_HELP = (
    "rekobot needs a Telegram bot token ({problem}). Open Telegram, talk to @BotFather, "
    "send /newbot and follow the steps; it answers with a token such as "
    "123456789:AAH... . Put it in a file named .env next to the Makefile as "
    "REKOBOT_TOKEN=<your token> (see .env.example), or export REKOBOT_TOKEN in your shell, "
    "then run the bot again."
)
