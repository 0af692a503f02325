"""The command line (binding: SPEC.md, "Command line"). Reads the clock once, here."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import sys
import traceback
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table
from tortoise.exceptions import DBConnectionError, IntegrityError, OperationalError

from engine.errors import ConfigError, ResoluteError, WorkflowError
from engine.render import Renderer
from engine.settings import Settings, load_settings
from engine.workflow.catalog import Catalog, load_catalog

if TYPE_CHECKING:  # the CLI imports these lazily: they bring python-telegram-bot
    from engine.app import App
    from engine.channels.email import SmtpChannel
    from engine.service.invites import Issued

T = TypeVar("T")

cli = typer.Typer(
    name="resolute",
    help="Контроль исполнения постановлений: напоминания, отметки о выполнении, сводки контролёру.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

PathsArg = Annotated[list[Path], typer.Argument(help="Files or folders with workflow YAML.")]
NowOpt = Annotated[
    str | None,
    typer.Option(
        "--now",
        help="Act as of this moment (ISO 8601, e.g. 2023-10-13T09:00+03:00; "
        "without an offset: in RESOLUTE_TIMEZONE). Default: the current time.",
    ),
]


def parse_now(value: str | None, settings: Settings) -> datetime:
    """The one place the clock is read."""
    if value is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r}: ожидается дата и время ISO 8601, например 2023-10-13T09:00+03:00",
            param_hint="--now",
        ) from None
    if not 1970 <= moment.year <= 2200:
        raise typer.BadParameter(f"{value!r}: год вне 1970–2200", param_hint="--now")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(settings.timezone))
    return moment.astimezone(UTC)


def _run(work: Callable[[], Awaitable[T]]) -> T:
    """Run a command's coroutine; turn every error into a message and an exit code."""
    try:
        return asyncio.run(work())  # type: ignore[arg-type]
    except ResoluteError as exc:
        err.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    except (OperationalError, DBConnectionError, IntegrityError) as exc:
        err.print(f"Ошибка базы данных: {exc}. Изменения не записаны.", markup=False)
        raise typer.Exit(3) from None
    except Exception as exc:  # the last line of defence: a message, not a traceback
        if os.environ.get("RESOLUTE_DEBUG"):
            traceback.print_exc()
        err.print(
            f"Внутренняя ошибка: {type(exc).__name__}: {exc}. "
            "Данные не потеряны; подробности — с переменной RESOLUTE_DEBUG=1.",
            markup=False,
        )
        raise typer.Exit(70) from None


def _settings() -> Settings:
    try:
        settings = load_settings()
    except ResoluteError as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(exc.exit_code) from None
    level = os.environ.get("RESOLUTE_LOG_LEVEL", "WARNING").upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        err.print(f"RESOLUTE_LOG_LEVEL: {level!r} — ожидается DEBUG, INFO, WARNING или ERROR")
        raise typer.Exit(2)
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    return settings


def _catalog(paths: list[Path]) -> Catalog:
    try:
        return load_catalog(paths)
    except WorkflowError as exc:
        for problem in exc.problems:
            err.print(str(problem), markup=False, highlight=False)
        err.print(f"Найдено ошибок: {len(exc.problems)}.", markup=False)
        raise typer.Exit(1) from None


@cli.command()
def validate(paths: PathsArg) -> None:
    """Check workflow files; print every problem as file:line:col."""
    catalog = _catalog(paths)
    clauses = sum(len(r.clauses) for r in catalog.resolutions)
    out.print(
        f"Ошибок нет: людей {len(catalog.people)}, групп {len(catalog.groups)}, "
        f"постановлений {len(catalog.resolutions)}, пунктов {clauses}.",
        markup=False,
    )


@cli.command()
def apply(
    paths: PathsArg,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change.")] = False,
    now: NowOpt = None,
) -> None:
    """Load the roster and resolutions into the database (idempotent)."""
    settings = _settings()
    catalog = _catalog(paths)
    moment = parse_now(now, settings)

    async def work() -> list[str]:
        from engine.app import App  # lazily: it brings python-telegram-bot
        from engine.service.apply import apply_catalog

        target = settings
        if dry_run and _sqlite_file_missing(settings.db_url):
            # Nothing stored yet: plan against an empty throw-away database, create no file.
            target = settings.model_copy(update={"db_url": "sqlite://:memory:"})
        async with App(target, channels=False):
            return (await apply_catalog(catalog, moment, dry_run=dry_run)).lines

    lines = _run(work)
    if not lines:
        out.print("Изменений нет: база совпадает с файлами.")
        return
    out.print("Будет изменено (ничего не записано):" if dry_run else "Изменено:")
    for line in lines:
        out.print(f"  {line}", markup=False, highlight=False)


@cli.command()
def tick(now: NowOpt = None) -> None:
    """One pass as of NOW: read replies and presses, send what is due, exit."""
    settings = _settings()
    moment = parse_now(now, settings)

    async def work() -> Any:
        from engine.app import App  # lazily: it brings python-telegram-bot
        from engine.service.tick import tick as run_tick

        async with App(settings) as app:
            return await run_tick(app, moment)

    report = _run(work)
    d = report.delivery
    out.print(
        f"Обновлений: {report.updates}; новых задач: {report.tasks_created}; "
        f"в очередь: {report.enqueued}; отправлено: {d.sent}; повтор позже: {d.retrying}; "
        f"ошибок: {d.failed}; без канала связи: {d.undeliverable}; пропущено: {d.skipped}.",
        markup=False,
    )
    for problem in report.problems:
        err.print(problem, markup=False)


@cli.command()
def run() -> None:
    """The service: the scheduler, Telegram listening and the inbox, until SIGTERM/SIGINT."""
    settings = _settings()
    if os.environ.get("RESOLUTE_LOG_LEVEL") is None:
        logging.getLogger().setLevel(logging.INFO)  # a service says what it does

    async def work() -> None:
        from engine.app import App
        from engine.service.run import Service

        async with App(settings) as app:
            if app.telegram is None and app.email is None:
                err.print(
                    "Ни Telegram, ни почта не настроены: напоминания будут только "
                    "записываться как недоставленные.",
                    markup=False,
                )
            await Service(app, interval_s=settings.run_interval_s).serve()

    _run(work)
    out.print("Служба остановлена.")


@cli.command()
def status(
    workflow: Annotated[
        str | None, typer.Option("--workflow", help="Only this resolution.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="A JSON array, one object per task.")
    ] = False,
    now: NowOpt = None,
) -> None:
    """Where every task stands."""
    settings = _settings()
    moment = parse_now(now, settings)

    async def work() -> Any:
        from engine.app import App  # lazily: it brings python-telegram-bot
        from engine.service.status import task_statuses

        async with App(settings, channels=False):
            return await task_statuses(moment, workflow)

    rows = _run(work)
    if as_json:
        sys.stdout.write(
            json.dumps([r.as_json() for r in rows], ensure_ascii=False, indent=2) + "\n"
        )
        return
    if not rows and workflow is not None:
        err.print(f"Постановления «{workflow}» нет в базе (или у него нет задач).", markup=False)
        raise typer.Exit(1)
    if not rows:
        out.print("Задач нет.")
        return
    from engine.service.status import STATE_RU
    from storage.models import TaskState

    for workflow_id, group in itertools.groupby(rows, key=lambda r: r.workflow):
        table = Table(title=workflow_id, title_justify="left")
        for title in ("Пункт", "Период", "Исполнитель", "Срок", "Состояние"):
            table.add_column(title)
        for r in group:
            state = STATE_RU[TaskState(r.state)]
            if r.overdue:
                state = f"[red]просрочено на {r.days_late} дн.[/red]"
            table.add_row(
                r.clause,
                "" if r.occurrence == "once" else r.occurrence,
                r.owner_name,
                date.fromisoformat(r.deadline).strftime("%d.%m.%Y"),
                state,
            )
        out.print(table)


@cli.command()
def report(
    workflow: Annotated[str, typer.Argument(help="The resolution's id.")],
    fmt: Annotated[str, typer.Option("--format", help="docx, html, xlsx or csv.")] = "docx",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Default: <id>-<date>.<ext> here.")
    ] = None,
    now: NowOpt = None,
) -> None:
    """The presidium's report on a resolution as of NOW, in Word, HTML, Excel or CSV."""
    from engine.report.command import FormatError, check_format, templates_dir, write_report

    settings = _settings()
    try:
        check_format(fmt)
    except FormatError as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(2) from None
    moment = parse_now(now, settings)

    async def work() -> Path:
        from engine.app import App

        async with App(settings, channels=False):
            return await write_report(workflow, fmt, moment, output, templates_dir(settings))

    out.print(f"Справка записана: {_run(work)}", markup=False, highlight=False)


@cli.command()
def simulate(
    paths: PathsArg,
    until: Annotated[
        str | None,
        typer.Option("--until", help="Last day to simulate (YYYY-MM-DD). Default: 92 days."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="A JSON array, one per message.")] = False,
) -> None:
    """The timeline of every message that would go out if nobody confirmed; sends nothing."""
    settings = _settings()
    catalog = _catalog(paths)
    if not catalog.resolutions:
        out.print("В файлах нет постановлений: моделировать нечего.")
        return
    try:
        last_day = (
            date.fromisoformat(until)
            if until
            else max(r.meta.adopted for r in catalog.resolutions) + timedelta(days=92)
        )
    except ValueError:
        raise typer.BadParameter(
            f"{until!r}: ожидается дата вида 2023-12-31", param_hint="--until"
        ) from None

    async def work() -> Any:
        from engine.service.simulate import simulate as run_simulation

        return await run_simulation(
            catalog, last_day, Renderer.for_settings(settings), email=settings.email_enabled
        )

    timeline = _run(work)
    if as_json:
        sys.stdout.write(
            json.dumps([p.as_json() for p in timeline], ensure_ascii=False, indent=2) + "\n"
        )
        return
    zone = ZoneInfo(settings.timezone)
    table = Table(title=f"Что будет отправлено до {last_day:%d.%m.%Y} (никто не отвечает)")
    for title in ("Время", "Канал", "Получатель", "Что", "Пункт"):
        table.add_column(title)
    kinds = {"reminder": "напоминание", "digest": "сводка"}
    for planned in timeline:
        table.add_row(
            planned.at.astimezone(zone).strftime("%d.%m.%Y %H:%M"),
            "—" if planned.channel == "none" else planned.channel,
            planned.recipient_name,
            kinds.get(planned.kind, planned.kind),
            planned.clause
            + ("" if planned.occurrence in ("once", "") else f" [{planned.occurrence}]"),
        )
    out.print(table)
    out.print(f"Всего сообщений: {len(timeline)}.", markup=False)


@cli.command()
def invite(
    people: Annotated[list[str] | None, typer.Argument(help="Person ids from the roster.")] = None,
    everyone: Annotated[
        bool, typer.Option("--all", help="Everyone not linked to Telegram yet.")
    ] = False,
    days: Annotated[int, typer.Option("--days", min=1, max=90, help="Link lifetime.")] = 14,
    email: Annotated[
        bool, typer.Option("--email", help="Also e-mail each link to the person.")
    ] = False,
    bot: Annotated[
        str | None,
        typer.Option("--bot", help="The bot's username (default: asked from Telegram)."),
    ] = None,
    now: NowOpt = None,
) -> None:
    """One-time Telegram deep links that bind a person's chat to the bot."""
    settings = _settings()
    if bool(people) == everyone:
        err.print("Укажите идентификаторы людей или --all (что-то одно).", markup=False)
        raise typer.Exit(2)
    moment = parse_now(now, settings)
    ttl = timedelta(days=days)

    async def work() -> tuple[list[Issued], list[str]]:
        from engine.app import App
        from engine.service.invites import invite_people

        secret = settings.require_secret()
        async with App(settings, channels=email or bot is None) as app:
            username = bot or await _bot_username(app)
            issued = await invite_people(people or [], everyone, username, secret, moment, ttl)
            notes = []
            if email:
                if app.email is None:
                    notes.append("Почта не настроена (RESOLUTE_SMTP_HOST): ссылки не разосланы.")
                else:
                    notes += await _mail_invites(app.email, issued, ttl, moment)
            return issued, notes

    issued, notes = _run(work)
    if not issued:
        out.print("Все участники уже подключены к Telegram: ссылки не нужны.")
    for item in issued:
        note = "  (уже подключён; новая ссылка переподключит)" if item.already_linked else ""
        typer.echo(f"{item.person.id}\t{item.person.name}\t{item.link}{note}")  # tabs kept
    for line in notes:
        err.print(line, markup=False)


async def _bot_username(app: App) -> str:
    if app.telegram is None:
        raise ConfigError(
            "Нужен RESOLUTE_TELEGRAM_TOKEN (ссылки ведут к боту) или явное имя бота: --bot ИМЯ."
        )
    if app.telegram.outage is not None:
        raise ConfigError(f"{app.telegram.outage} Имя бота можно указать явно: --bot ИМЯ.")
    return str(app.telegram.username)


async def _mail_invites(
    mailer: SmtpChannel, issued: list[Issued], ttl: timedelta, now: datetime
) -> list[str]:
    from engine.channels.base import DeliveryError
    from engine.service.invites import invite_mail

    notes = []
    for item in issued:
        if item.person.email is None:
            notes.append(f"{item.person.id}: адреса почты нет, ссылку передайте иначе.")
            continue
        try:
            await mailer.send(invite_mail(item, ttl, now), now)
        except DeliveryError as exc:
            notes.append(f"{item.person.id}: письмо не отправлено ({exc.reason}).")
        else:
            notes.append(f"{item.person.id}: ссылка отправлена на {item.person.email}.")
    return notes


def _sqlite_file_missing(db_url: str) -> bool:
    if not db_url.startswith("sqlite://") or ":memory:" in db_url:
        return False
    return not Path(db_url.removeprefix("sqlite://").split("?", 1)[0]).exists()


def main() -> None:
    cli()
