"""``resolute doctor``: check a configuration before the first reminder goes wrong.

In order: the settings parse; the secret is set and long enough; the database is reachable and
its migrations current; Telegram's getMe; SMTP connect and log in; IMAP log in and the mailbox;
the workflow files validate; the clock and the time zone. Every check runs, whatever failed
before it (those that need the settings are skipped when they do not parse); exit 0 when all
pass, 1 otherwise. Nothing is sent and nothing is written.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from engine.errors import ResoluteError, WorkflowError
from engine.ops import probes
from engine.ops.probes import Check
from engine.settings import Settings, load_settings
from engine.workflow.catalog import load_catalog

MIN_SECRET_CHARS = 16
_MAKE_ONE = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
SECRET_HINT = f"Задайте случайную строку: {_MAKE_ONE}"


def settings_check() -> tuple[Settings | None, Check]:
    try:
        settings = load_settings()
    except ResoluteError as exc:
        detail = str(exc).removeprefix("Ошибка настроек:").strip().replace("\n", "; ")
        return None, Check("Настройки", False, detail,
                           "Исправьте переменные окружения или файл .env.")  # fmt: skip
    on = [
        name
        for name, enabled in (
            ("Telegram", settings.telegram_enabled),
            ("MAX", settings.max_enabled),
            ("почта", settings.email_enabled),
            ("входящая почта", settings.imap_enabled),
        )
        if enabled
    ]
    return settings, Check(
        "Настройки", True, f"прочитаны; включено: {', '.join(on) if on else 'ни один канал'}."
    )


def secret_check(settings: Settings) -> Check:
    title = "RESOLUTE_SECRET"
    needed = settings.telegram_enabled or settings.max_enabled or settings.email_enabled
    value = settings.secret.get_secret_value() if settings.secret else ""
    hint = SECRET_HINT
    if not value:
        if not needed:
            return Check(
                title, True, "не задан; понадобится, когда включите Telegram, MAX или почту."
            )
        return Check(title, False, "не задан, а им подписываются кнопки и ссылки.", hint)
    if len(value) < MIN_SECRET_CHARS:
        return Check(title, False, f"короче {MIN_SECRET_CHARS} символов ({len(value)}).", hint)
    return Check(title, True, f"задан ({len(value)} символов).")


def workflows_check(paths: list[Path]) -> Check:
    title = f"Файлы постановлений ({', '.join(map(str, paths))})"
    try:
        catalog = load_catalog(paths)
    except WorkflowError as exc:
        shown = "; ".join(str(p) for p in exc.problems[:3])
        more = f" и ещё {len(exc.problems) - 3}" if len(exc.problems) > 3 else ""
        return Check(title, False, f"ошибок {len(exc.problems)}: {shown}{more}",
                     "Подробности: resolute validate " + " ".join(map(str, paths)))  # fmt: skip
    except ResoluteError as exc:
        return Check(title, False, str(exc), "Укажите папку с файлами: resolute doctor ПАПКА")
    clauses = sum(len(r.clauses) for r in catalog.resolutions)
    return Check(title, True, f"людей {len(catalog.people)}, постановлений "
                 f"{len(catalog.resolutions)}, пунктов {clauses}.")  # fmt: skip


def clock_check(settings: Settings, now: datetime) -> Check:
    zone = ZoneInfo(settings.timezone)
    local = now.astimezone(zone)
    offset = local.strftime("%z")
    return Check(
        "Часы и часовой пояс",
        True,
        f"сейчас {now:%d.%m.%Y %H:%M:%S} UTC, в {settings.timezone} "
        f"{local:%d.%m.%Y %H:%M} (UTC{offset[:3]}:{offset[3:]}).",
    )


async def diagnose(paths: list[Path], now: datetime) -> list[Check]:
    settings, parsed = settings_check()
    checks = [parsed]
    if settings is not None:
        checks.append(secret_check(settings))
        checks += await probes.database(settings, now)
        checks.append(await probes.telegram(settings))
        checks.append(await probes.max_bot(settings))
        checks.append(await probes.smtp(settings))
        checks.append(await probes.imap(settings))
    checks.append(workflows_check(paths))
    if settings is not None:
        checks.append(clock_check(settings, now))
    return checks
