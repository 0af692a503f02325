"""The command line (binding: the README, "Command line"). Reads the clock once, here.

Over 300 lines on purpose: every command's Typer entry in one module (the binding CLI);
the work of each is in engine/service, engine/ops, engine/draft and engine/report.
"""

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
from rich.table import Table
from tortoise.exceptions import DBConnectionError, IntegrityError, OperationalError

from engine import log_secrets
from engine.errors import ConfigError, ResoluteError, WorkflowError
from engine.progress import terminal_progress
from engine.render import Renderer
from engine.settings import Settings, load_settings
from engine.workflow.catalog import Catalog, load_catalog

if TYPE_CHECKING:  # the CLI imports these lazily: they bring python-telegram-bot
    from engine.app import App
    from engine.channels.email import SmtpChannel
    from engine.service.invites import Issued
    from engine.texts import Texts

T = TypeVar("T")


def _database_refused(exc: Exception) -> bool:
    """A database that refuses or drops us in the middle of a command: exit 3, not 70. (The
    drivers' own errors are imported only here: asyncpg is not needed to start the CLI.)"""
    from storage.migration_lock import DRIVER_ERRORS

    return isinstance(exc, (OperationalError, DBConnectionError, IntegrityError, *DRIVER_ERRORS))


cli = typer.Typer(
    name="resolute",
    help="Контроль исполнения постановлений: напоминания, отметки о выполнении, сводки контролёру.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = log_secrets.MaskedConsole(soft_wrap=True)  # no token or password in anything printed
err = log_secrets.MaskedConsole(stderr=True, soft_wrap=True)

PathsArg = Annotated[list[Path], typer.Argument(help="Файлы или папки с YAML-описаниями.")]
NowOpt = Annotated[
    str | None,
    typer.Option(
        "--now",
        help="Действовать так, будто сейчас этот момент (ISO 8601, например "
        "2023-10-13T09:00+03:00; без смещения — в RESOLUTE_TIMEZONE). По умолчанию — сейчас.",
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
    except Exception as exc:  # the last line of defence: a message, not a traceback
        if _database_refused(exc):
            err.print(f"Ошибка базы данных: {exc}. Изменения не записаны.", markup=False)
            raise typer.Exit(3) from None
        if os.environ.get("RESOLUTE_DEBUG"):
            sys.stderr.write(log_secrets.mask(traceback.format_exc()))
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
    from engine.logs import configure

    configure(level, settings.log_format)
    log_secrets.install(log_secrets.settings_secrets(settings))
    return settings


def _catalog(paths: list[Path]) -> Catalog:
    try:
        return load_catalog(paths)
    except WorkflowError as exc:
        for problem in exc.problems:
            err.print(str(problem), markup=False, highlight=False)
        err.print(f"Найдено ошибок: {len(exc.problems)}.", markup=False)
        raise typer.Exit(1) from None
    except Exception as exc:  # loading runs outside _run: the same last line of defence
        err.print(
            f"Внутренняя ошибка при чтении файлов: {type(exc).__name__}: {exc}. "
            "Файлы и данные не изменены.",
            markup=False,
        )
        raise typer.Exit(70) from None


@cli.command()
def validate(paths: PathsArg) -> None:
    """Проверить файлы: каждая ошибка — как файл:строка:столбец."""
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
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Только показать, что изменится.")
    ] = False,
    now: NowOpt = None,
) -> None:
    """Загрузить состав и постановления в базу (повторный запуск ничего не дублирует)."""
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
            with terminal_progress(err, "Загрузка в базу") as progress:
                plan = await apply_catalog(catalog, moment, dry_run=dry_run, progress=progress)
            return plan.lines

    lines = _run(work)
    if not lines:
        out.print("Изменений нет: база совпадает с файлами.")
        return
    out.print("Будет изменено (ничего не записано):" if dry_run else "Изменено:")
    for line in lines:
        out.print(f"  {line}", markup=False, highlight=False)


@cli.command()
def tick(now: NowOpt = None) -> None:
    """Один проход: прочитать ответы и нажатия, отправить, что пора, и выйти."""
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
    """Служба: расписание, Telegram, MAX и почтовый ящик — до SIGTERM/SIGINT."""
    settings = _settings()
    if os.environ.get("RESOLUTE_LOG_LEVEL") is None:
        logging.getLogger().setLevel(logging.INFO)  # a service says what it does

    async def work() -> None:
        from engine.app import App
        from engine.service.run import Service

        async with App(settings) as app:
            if app.telegram is None and app.max is None and app.email is None:
                err.print(
                    "Ни мессенджер, ни почта не настроены: напоминания будут только "
                    "записываться как недоставленные.",
                    markup=False,
                )
            await Service(app, interval_s=settings.run_interval_s).serve()

    _run(work)
    out.print("Служба остановлена.")


@cli.command()
def status(
    workflow: Annotated[
        str | None, typer.Option("--workflow", help="Только это постановление.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Массив JSON (для программ).")] = False,
    now: NowOpt = None,
    health: Annotated[
        bool,
        typer.Option("--health", help="Жива ли служба и успевает ли она; код 0 или 1."),
    ] = False,
) -> None:
    """Ход исполнения: где каждая задача (с --health: как работает служба)."""
    settings = _settings()
    moment = parse_now(now, settings)
    if health:
        _health(settings, moment, as_json)
        return

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


def _health(settings: Settings, moment: datetime, as_json: bool) -> None:
    async def work() -> Any:
        from engine.app import App
        from engine.ops.health import gather

        async with App(settings, channels=False):
            return await gather(moment, interval_s=settings.run_interval_s)

    report = _run(work)
    if as_json:
        sys.stdout.write(json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n")
    else:
        for line in report.lines(ZoneInfo(settings.timezone)):
            out.print(line, markup=False, highlight=False)
    if not report.healthy:
        raise typer.Exit(1)


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
        typer.Option("--until", help="Последний день (ГГГГ-ММ-ДД); по умолчанию 92 дня."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Массив JSON (для программ).")] = False,
    show: Annotated[
        bool,
        typer.Option("--show", help="Показать каждое сообщение так, как его прочтёт получатель."),
    ] = False,
    to: Annotated[
        list[str] | None,
        typer.Option("--to", help="Только сообщения этому человеку (id из списка)."),
    ] = None,
) -> None:
    """Что и когда уйдёт, если никто не ответит; ничего не отправляет."""
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

        with terminal_progress(err, "Моделирование, дней") as progress:
            return await run_simulation(
                catalog, last_day, Renderer.for_settings(settings),
                email=settings.email_enabled, max_on=settings.max_enabled, texts=show,
                progress=progress,
            )  # fmt: skip

    if to and (unknown := sorted(set(to) - set(catalog.people))):
        err.print(f"--to: в списке людей нет {', '.join(unknown)}.", markup=False)
        raise typer.Exit(2)
    timeline = [p for p in _run(work) if not to or p.recipient in to]
    if as_json:
        sys.stdout.write(
            json.dumps([p.as_json() for p in timeline], ensure_ascii=False, indent=2) + "\n"
        )
        return
    zone = ZoneInfo(settings.timezone)
    if show:
        from engine.ops.preview import shown

        for line in shown(timeline, zone):
            out.print(line, markup=False, highlight=False)
        out.print(f"Всего сообщений: {len(timeline)}. Ничего не отправлено.", markup=False)
        return
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
    people: Annotated[list[str] | None, typer.Argument(help="Кого: id из состава.")] = None,
    everyone: Annotated[
        bool, typer.Option("--all", help="Все, кто ещё не подключён к этому мессенджеру.")
    ] = False,
    channel: Annotated[
        str, typer.Option("--channel", help="К какому боту: telegram или max.")
    ] = "telegram",
    days: Annotated[int, typer.Option("--days", min=1, max=90, help="Дней действия.")] = 14,
    email: Annotated[bool, typer.Option("--email", help="Разослать ссылки и по почте.")] = False,
    bot: Annotated[
        str | None,
        typer.Option("--bot", help="Имя бота (по умолчанию — спросить у мессенджера)."),
    ] = None,
    now: NowOpt = None,
) -> None:
    """Одноразовые ссылки, которые подключают человека к боту в Telegram или MAX."""
    settings = _settings()
    if channel not in ("telegram", "max"):
        err.print(f"--channel: telegram или max, а не «{channel}».", markup=False)
        raise typer.Exit(2)
    messenger = "MAX" if channel == "max" else "Telegram"
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
            username = bot or await _bot_username(app, channel)
            issued = await invite_people(
                people or [], everyone, username, secret, moment, ttl, channel=channel
            )
            notes = []
            if email:
                if app.email is None:
                    notes.append("Почта не настроена (RESOLUTE_SMTP_HOST): ссылки не разосланы.")
                else:
                    notes += await _mail_invites(
                        app.email, issued, ttl, moment, app.texts, messenger
                    )
            return issued, notes

    issued, notes = _run(work)
    if not issued:
        out.print(f"Все участники уже подключены к {messenger}: ссылки не нужны.")
    for item in issued:
        note = "  (уже подключён; новая ссылка переподключит)" if item.already_linked else ""
        typer.echo(f"{item.person.id}\t{item.person.name}\t{item.link}{note}")  # tabs kept
    for line in notes:
        err.print(line, markup=False)


async def _bot_username(app: App, channel: str) -> str:
    if channel == "max":
        if app.max is None:
            raise ConfigError(
                "Нужен RESOLUTE_MAX_TOKEN (ссылки ведут к боту) или явное имя бота: --bot ИМЯ."
            )
        if not app.max.username:
            outage = app.max.outage or "MAX не назвал имя бота."
            raise ConfigError(f"{outage} Имя бота можно указать явно: --bot ИМЯ.")
        return app.max.username
    if app.telegram is None:
        raise ConfigError(
            "Нужен RESOLUTE_TELEGRAM_TOKEN (ссылки ведут к боту) или явное имя бота: --bot ИМЯ."
        )
    if app.telegram.outage is not None:
        raise ConfigError(f"{app.telegram.outage} Имя бота можно указать явно: --bot ИМЯ.")
    return str(app.telegram.username)


async def _mail_invites(
    mailer: SmtpChannel,
    issued: list[Issued],
    ttl: timedelta,
    now: datetime,
    texts: Texts,
    messenger: str,
) -> list[str]:
    from engine.channels.base import DeliveryError
    from engine.service.invites import invite_mail

    notes = []
    for item in issued:
        if item.person.email is None:
            notes.append(f"{item.person.id}: адреса почты нет, ссылку передайте иначе.")
            continue
        try:
            await mailer.send(invite_mail(item, ttl, now, texts, messenger), now)
        except DeliveryError as exc:
            notes.append(f"{item.person.id}: письмо не отправлено ({exc.reason}).")
        else:
            notes.append(f"{item.person.id}: ссылка отправлена на {item.person.email}.")
    return notes


@cli.command()
def doctor(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Workflow files or folders (default: workflows).")
    ] = None,
) -> None:
    """Check settings, database, Telegram, SMTP, IMAP, workflow files and the clock."""
    from engine.ops.doctor import diagnose

    checks = _run(lambda: diagnose(paths or [Path("workflows")], datetime.now(UTC)))
    for check in checks:
        out.print(check.line(), markup=False, highlight=False)
    failed = sum(not c.ok for c in checks)
    if failed:
        out.print(f"Не пройдено проверок: {failed} из {len(checks)}.", markup=False)
        raise typer.Exit(1)
    out.print(f"Все проверки пройдены ({len(checks)}).", markup=False)


@cli.command()
def backup(
    target: Annotated[Path, typer.Argument(help="Where to write the copy (a new file).")],
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
) -> None:
    """A consistent copy of the live SQLite database (run may keep running)."""
    settings = _settings()
    from engine.ops.backup import backup_sqlite

    try:
        report = backup_sqlite(settings.db_url, target, overwrite=force)
    except ResoluteError as exc:
        err.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(exc.exit_code) from None
    out.print(report.summary(), markup=False, highlight=False)


def _sqlite_file_missing(db_url: str) -> bool:
    if not db_url.startswith("sqlite://") or ":memory:" in db_url:
        return False
    return not Path(db_url.removeprefix("sqlite://").split("?", 1)[0]).exists()


def main() -> None:
    from engine.cli_ru import install

    install()
    cli()


@cli.command()
def draft(
    decree: Annotated[
        Path, typer.Argument(help="The decree: .txt (UTF-8 or Windows-1251) or .docx.")
    ],
    roster: Annotated[
        list[Path] | None,
        typer.Option("--roster", help="Roster files or folders (default: workflows/ if present)."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the YAML here (default: stdout).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the -o file.")] = False,
) -> None:
    """A draft resolution YAML from a decree, every inferred value commented for review."""
    from engine.draft.run import default_roster
    from engine.draft.run import draft as run_draft

    if not decree.is_file():
        err.print(f"{decree}: файл не найден.", markup=False)
        raise typer.Exit(2)
    paths = roster if roster else default_roster(Path.cwd())
    try:
        drafted = run_draft(decree, paths, output, force=force)
    except WorkflowError as exc:
        for problem in exc.problems:
            err.print(str(problem), markup=False, highlight=False)
        err.print(
            "Список людей и групп (--roster) с ошибками: черновик не составлен.", markup=False
        )
        raise typer.Exit(2) from None
    except ResoluteError as exc:
        err.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(exc.exit_code) from None
    except Exception as exc:  # the last line of defence: a message, not a traceback
        if os.environ.get("RESOLUTE_DEBUG"):
            traceback.print_exc()
        err.print(f"Внутренняя ошибка: {type(exc).__name__}: {exc}.", markup=False)
        raise typer.Exit(70) from None
    if output is None:
        sys.stdout.write(drafted.yaml)
    else:
        err.print(f"Черновик записан: {output}", markup=False, highlight=False)
    for line in drafted.summary():
        err.print(line, markup=False, highlight=False)
