"""Messages people write to the bot: commands, answers the bot asked for, replies to reminders.

What the next message from a chat is for (a report, a date, a reason, a comment) is kept in the
``dialogue`` table, so a restart or another instance continues the conversation. Everything is
answered in Russian; nothing here changes a task its writer is not entitled to change.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import Message, MessageEntity

from engine.audit import record, refusal
from engine.callbacks import Action, sign
from engine.channels.base import Button
from engine.channels.telegram_text import TELEGRAM_LIMIT, split_message
from engine.lifecycle import accepts_evidence
from engine.render import dmy
from engine.report import bot as report_bot
from engine.service import control, extension_talk, invites
from engine.service.confirm import Attached, Piece, announce_addition, attach, owner_says_done
from engine.service.delivery import Keyboard
from engine.service.notices import esc
from engine.timing.local import local_date
from engine.workflow.catalog import clause_order
from storage.models import (
    Dialogue,
    Evidence,
    Extension,
    ExtensionState,
    Outbox,
    Person,
    Resolution,
    Task,
    TaskState,
)

log = logging.getLogger("resolute.conversation")

STRANGER = (
    "Здравствуйте! Этот бот напоминает о пунктах постановлений их исполнителям. "
    "Чтобы подключиться, откройте персональную ссылку-приглашение от секретаря."
)
HELP = (
    "Я напоминаю о пунктах постановлений, которые вам поручены, и передаю контролёру ваши "
    "отметки и отчёты.\n\n"
    "Под каждым напоминанием есть кнопки:\n"
    "• «Выполнено» — отметить пункт выполненным;\n"
    "• «Отправить отчёт» — прислать текст, ссылку, фото или файл;\n"
    "• «Нужна отсрочка» — попросить контролёра перенести срок.\n"
    "Ответ на напоминание (текст, фото, файл) тоже прикладывается к пункту.\n\n"
    "Команды:\n/tasks — ваши открытые пункты\n/cancel — отменить начатое действие\n"
    "/help — эта справка"
)
HELP_CONTROLLER = (
    "\n/status — ход исполнения постановлений, которые вы контролируете"
    "\n/report — справка о ходе выполнения для президиума (файл Word)"
)
REPORT_BUTTON = "📄 Справка для президиума (DOCX)"
HINT = (
    "Чтобы приложить материалы к пункту, ответьте на напоминание о нём или нажмите "
    "«Отправить отчёт». Ваши пункты — /tasks, справка — /help."
)
UNKNOWN_COMMAND = "Такой команды нет. Что умеет бот — /help."
NOTHING_TO_CANCEL = "Отменять нечего."
CANCELLED = "Хорошо, отменено."
NOT_CONTROLLER = "Команда /status доступна контролёру постановления. Ваши пункты — /tasks."
NO_TASKS = "Открытых пунктов у вас нет. Спасибо!"
DATE_NOT_UNDERSTOOD = extension_talk.DATE_NOT_UNDERSTOOD
ASK_REASON = extension_talk.ASK_REASON
EXTENSION_SENT = "Просьба об отсрочке до {to} передана контролёру. Я сообщу о решении."
EXTENSION_PENDING = "Просьба об отсрочке по этому пункту уже на рассмотрении у контролёра."
TASK_CLOSED = "Этот пункт уже закрыт: ничего не изменено."
NEED_TEXT = "Пришлите, пожалуйста, текст одним сообщением. Передумали — /cancel."
NEED_CONTENT = (
    "Не удалось распознать отчёт: пришлите текст, ссылку, фото или файл. Передумали — /cancel."
)
COMMENT_SENT = "Комментарий передан исполнителю."
RETURNED_WITH_COMMENT = "Отчёт возвращён на доработку, ваш комментарий передан исполнителю."
EVIDENCE_ADDED = (
    "Приложено к пункту {clause}. Когда пункт будет выполнен, нажмите «Выполнено» под напоминанием."
)
ADDED_TO_REPORT = "Добавлено к отчёту и передано контролёру."
ALBUM_WINDOW = timedelta(minutes=10)  # the rest of a photo album joins the report
TASKS_SHOWN = 30
TASKS_WITH_BUTTONS = 10


@dataclass(frozen=True)
class Said:
    """A message to send back into the chat."""

    html: str
    buttons: Keyboard = ()


@dataclass
class Handled:
    name: str
    replies: list[Said] = field(default_factory=list)
    reports_for: str | None = None  # a controller's id: send them their reports (DOCX) after


def command_of(message: Message) -> tuple[str, list[str]] | None:
    """``("/start", ["token"])`` for a command message, else None."""
    text = message.text or ""
    entity = next(iter(message.entities), None)
    if entity is None or entity.type != MessageEntity.BOT_COMMAND or entity.offset != 0:
        return None
    name, *args = text.split()
    return name.split("@", 1)[0].lower(), args


async def on_message(message: Message, secret: bytes, now: datetime) -> Handled:
    if message.chat.type != "private" or message.from_user is None:
        return Handled("ignored-not-private")
    chat_id = message.chat.id
    command = command_of(message)
    if command is not None and command[0] == "/start":
        return await _start(chat_id, command[1], secret, now)
    person = await Person.filter(telegram_chat_id=message.from_user.id).first()
    if person is None:
        return Handled("stranger", [Said(STRANGER)])
    if person.telegram_blocked_at is not None:  # they write to us: reachable again
        await Person.filter(id=person.id).update(telegram_blocked_at=None)
    if command is not None:
        return await _command(command[0], person, chat_id, secret, now)
    # An explicit reply to one of our messages about a task wins over a dialogue in progress:
    # the reply says which task it is about.
    reply_to = message.reply_to_message
    if reply_to is not None:
        handled = await _reply_to_ours(reply_to.message_id, message, person, secret, now)
        if handled is not None:
            return handled
    dialogue = await Dialogue.get_or_none(chat_id=chat_id)
    if dialogue is not None and dialogue.expires_at > now and dialogue.person_id == person.id:
        handled = await _continue(dialogue, message, person, secret, now)
        if handled is not None:
            return handled
    elif dialogue is not None:  # expired, or left by whoever used this chat before
        await dialogue.delete()
    return Handled("hint", [Said(HINT)])


async def _start(chat_id: int, args: list[str], secret: bytes, now: datetime) -> Handled:
    if args:
        redeemed = await invites.redeem(secret, args[0], chat_id, now)
        return Handled(redeemed.name, [Said(esc(redeemed.answer))])
    person = await Person.filter(telegram_chat_id=chat_id).first()
    if person is None:
        return Handled("greeted-stranger", [Said(STRANGER)])
    if person.telegram_blocked_at is not None:
        await Person.filter(id=person.id).update(telegram_blocked_at=None)
    return Handled("greeted", [Said(esc(invites.GREETING.format(name=person.name)))])


async def _command(
    name: str, person: Person, chat_id: int, secret: bytes, now: datetime
) -> Handled:
    controls = await Resolution.filter(controller_id=person.id).exists()
    if name == "/help":
        return Handled("help", [Said(HELP + (HELP_CONTROLLER if controls else ""))])
    if name == "/tasks":
        return Handled("tasks", await _tasks(person, secret, now))
    if name == "/status":
        if not controls:
            return Handled("status-refused", [Said(NOT_CONTROLLER)])
        return Handled("status", await _status(person, now, secret))
    if name == "/report":
        if not controls:
            refusal("report.refused", person=person.id)
            return Handled("report-refused", [Said(report_bot.NOT_CONTROLLER)])
        return Handled("report", [Said(report_bot.COMING)], reports_for=person.id)
    if name == "/cancel":
        deleted = await Dialogue.filter(chat_id=chat_id).delete()
        return Handled("cancelled", [Said(CANCELLED if deleted else NOTHING_TO_CANCEL)])
    return Handled("unknown-command", [Said(UNKNOWN_COMMAND)])


# --- answers the bot asked for -------------------------------------------------------------------


async def _continue(
    dialogue: Dialogue, message: Message, person: Person, secret: bytes, now: datetime
) -> Handled | None:
    """The message as the answer the dialogue waits for; None to handle it as any other."""
    task = await Task.get_or_none(id=dialogue.task_id) if dialogue.task_id else None
    step = dialogue.step
    if task is None or not await _still_entitled(step, task, person):
        await dialogue.delete()
        return None
    if step == "album":
        if message.media_group_id is None or message.media_group_id != dialogue.data.get("group"):
            await dialogue.delete()
            return None
        return await _addition(task, message, person, now, secret, "evidence-album", quiet=True)
    if step == "report":
        return await _report(dialogue, task, message, person, secret, now)
    text = (message.text or "").strip()
    if step.startswith("extension_") and task.state != TaskState.OPEN:
        await dialogue.delete()
        return Handled("stale", [Said(TASK_CLOSED)])
    if step == "extension_date":
        return _said(await extension_talk.on_date(dialogue, task, text, person, now, secret))
    if step == "extension_confirm":
        answer = await extension_talk.on_confirm_text(dialogue, task, text, person, now, secret)
        return _said(answer)
    if step == "extension_reason":
        if not text:
            return Handled("asked-text", [Said(NEED_TEXT)])
        corrected = await extension_talk.on_reason(dialogue, task, text, person, now, secret)
        if corrected is not None:
            return _said(corrected)
        await dialogue.delete()
        to = date.fromisoformat(str(dialogue.data["to"]))
        if task.state != TaskState.OPEN:
            return Handled("stale", [Said(TASK_CLOSED)])
        request = await control.request_extension(task, to, text, secret, now)
        if request is None:
            return Handled("extension-pending", [Said(EXTENSION_PENDING)])
        return Handled("extension-requested", [Said(EXTENSION_SENT.format(to=dmy(to)))])
    if step == "return_comment":
        if not text:
            return Handled("asked-text", [Said(NEED_TEXT)])
        await dialogue.delete()
        await control.pass_comment(task, person, text, now, f"m{message.message_id}")
        return Handled("commented", [Said(COMMENT_SENT)])
    await dialogue.delete()  # a step this version does not know: start afresh
    return None


async def _report(
    dialogue: Dialogue, task: Task, message: Message, person: Person, secret: bytes, now: datetime
) -> Handled:
    pieces = pieces_of(message)
    if not pieces:
        return Handled("asked-content", [Said(NEED_CONTENT)])
    if not accepts_evidence(task.state):
        await dialogue.delete()
        return Handled("stale", [Said(TASK_CLOSED)])
    attached = await _attach(task, person, pieces, message, now)
    if message.media_group_id is not None:
        dialogue.step, dialogue.data = "album", {"group": message.media_group_id}
        dialogue.expires_at = now + ALBUM_WINDOW
        await dialogue.save()
    else:
        await dialogue.delete()
    replies = [Said(esc(r)) for r in attached.refused]
    if task.state == TaskState.REPORTED:  # more material for a report already sent
        await announce_addition(
            task, message.chat.id, message.message_id, pieces, now,
            secret=secret, media_group=message.media_group_id,
        )  # fmt: skip
        return Handled("evidence", [Said(ADDED_TO_REPORT), *replies])
    done = await owner_says_done(
        task, now, via="telegram", secret=secret, copies=_copies(message, pieces)
    )
    return Handled(f"report-{done.name}", [Said(esc(done.answer)), *replies])


def _said(answer: extension_talk.Answer) -> Handled:
    return Handled(answer.name, [Said(esc(answer.html), answer.buttons)])


# --- replies to the bot's messages ---------------------------------------------------------------


async def _reply_to_ours(
    message_id: int, message: Message, person: Person, secret: bytes, now: datetime
) -> Handled | None:
    """A reply to one of our messages about a task: the owner's evidence, or the controller's
    comment for the owner. None when the replied message is not about a task."""
    sent = await Outbox.filter(
        external_id=f"{message.chat.id}:{message_id}", person_id=person.id
    ).first()
    if sent is None or sent.task_id is None:
        return None
    task = await Task.get(id=sent.task_id)
    if person.id == task.owner_id:
        return await _addition(task, message, person, now, secret, "evidence")
    resolution = await Resolution.get(id=task.resolution_id)
    if person.id == resolution.controller_id and message.text:
        if task.state == TaskState.REPORTED and _about_round(sent.key, task):
            # A text reply to the report under review: the report goes back for rework with
            # this comment, and the owner gets the buttons back.
            decided = await control.decide_report(Action.RETURN, task, task.reports, now)
            if decided.changed:
                task.state, task.reported_at = TaskState.OPEN, None
                owner = await Person.get(id=task.owner_id)
                await control.announce_return(
                    task, owner, resolution.number, secret, now, comment=message.text
                )
                await record(
                    "task.commented", at=now, actor=person.id, task_id=task.id,
                    resolution_id=task.resolution_id, via="telegram",
                )  # fmt: skip
                return Handled("returned-by-reply", [Said(RETURNED_WITH_COMMENT)])
        await control.pass_comment(task, person, message.text, now, f"m{message.message_id}")
        return Handled("commented", [Said(COMMENT_SENT)])
    refusal("message.foreign_reply", person=person.id, task=task.id)
    return None


async def _addition(
    task: Task,
    message: Message,
    person: Person,
    now: datetime,
    secret: bytes,
    name: str,
    *,
    quiet: bool = False,
) -> Handled:
    """The owner's message as evidence for the task; a report under review gets it too.
    ``quiet``: no thanks for each photo of an album (only a refusal is worth a message); the
    thanks for an album go with its first photo only."""
    pieces = pieces_of(message)
    if not pieces:
        return Handled("asked-content", [Said(NEED_CONTENT)])
    group = message.media_group_id
    if group is not None and await Evidence.filter(task_id=task.id, media_group=group).exists():
        quiet = True  # the album's first photo was answered
    attached = await _attach(task, person, pieces, message, now)
    replies = [Said(esc(r)) for r in attached.refused]
    if attached.stored and task.state == TaskState.REPORTED:
        await announce_addition(
            task, message.chat.id, message.message_id, pieces, now,
            secret=secret, media_group=group,
        )  # fmt: skip
    if attached.stored and not quiet:
        added = ADDED_TO_REPORT if task.state == TaskState.REPORTED else EVIDENCE_ADDED
        replies.insert(0, Said(added.format(clause=esc(task.clause_id))))
    return Handled(name, replies)


async def _attach(
    task: Task, person: Person, pieces: list[Piece], message: Message, now: datetime
) -> Attached:
    """Store a message's pieces with where they came from: the message, to copy it to the
    controller, and its album."""
    return await attach(
        task, person.id, pieces, now, source="telegram",
        message_ref=f"{message.chat.id}:{message.message_id}", media_group=message.media_group_id,
    )  # fmt: skip


def _about_round(key: str, task: Task) -> bool:
    """Whether our message (by its outbox key) was about the task's current report round: the
    report itself or an addition to it."""
    round_key = f"report:{task.id}:{task.reports}"
    return key == round_key or key.startswith(round_key + ":")


def _copies(message: Message, pieces: list[Piece]) -> list[tuple[int, int]]:
    """The message itself, for the controller's chat, when it carries a file."""
    return [(message.chat.id, message.message_id)] if any(p.reference for p in pieces) else []


async def _still_entitled(step: str, task: Task, person: Person) -> bool:
    """A dialogue continues only for whom it was started: the task's owner, or for a comment
    the resolution's controller (either may have changed since)."""
    if step == "return_comment":
        return await Resolution.filter(id=task.resolution_id, controller_id=person.id).exists()
    return task.owner_id == person.id


def pieces_of(message: Message) -> list[Piece]:
    """A Telegram message as evidence: its text or caption, its file, and its links."""
    pieces: list[Piece] = []
    caption = message.caption
    if message.photo:
        photo = message.photo[-1]  # the largest size
        pieces.append(
            Piece(caption, None, "image/jpeg", photo.file_size or 0, reference=photo.file_id)
        )
    elif (
        attachment := message.document or message.video or message.audio or message.voice
    ) is not None:
        pieces.append(
            Piece(
                caption,
                getattr(attachment, "file_name", None) or type(attachment).__name__.lower(),
                getattr(attachment, "mime_type", None) or "application/octet-stream",
                attachment.file_size or 0,
                reference=attachment.file_id,
            )
        )
    elif message.text:
        pieces.append(Piece(message.text))
    entities = message.parse_entities([MessageEntity.URL, MessageEntity.TEXT_LINK])
    entities |= message.parse_caption_entities([MessageEntity.URL, MessageEntity.TEXT_LINK])
    for entity, text in entities.items():
        url = entity.url if entity.type == MessageEntity.TEXT_LINK else text
        if url:
            pieces.append(Piece(url[:2000], content_type="text/uri-list"))
    return pieces


# --- /tasks and /status --------------------------------------------------------------------------


async def _tasks(person: Person, secret: bytes, now: datetime) -> list[Said]:
    tasks = (
        await Task.filter(owner_id=person.id, state__in=[TaskState.OPEN, TaskState.REPORTED])
        .select_related("resolution")
        .order_by("deadline", "id")
        .limit(TASKS_SHOWN + 1)
    )
    if not tasks:
        return [Said(NO_TASKS)]
    tasks.sort(
        key=lambda t: (t.extended_to or t.deadline, t.resolution_id, clause_order(t.clause_id))
    )
    lines = [f"<b>Ваши открытые пункты</b> ({len(tasks[:TASKS_SHOWN])}):"]
    rows: list[tuple[Button, ...]] = []
    for n, task in enumerate(tasks[:TASKS_SHOWN], start=1):
        deadline = task.extended_to or task.deadline
        today = local_date(now, ZoneInfo(person.timezone or task.resolution.timezone))
        if task.state == TaskState.REPORTED:
            where = "отчёт у контролёра"
        elif deadline < today:
            where = f"<b>просрочен на {(today - deadline).days} дн.</b>"
        else:
            where = f"срок {dmy(deadline)}"
        text = task.clause_text if len(task.clause_text) <= 160 else task.clause_text[:159] + "…"
        lines.append(
            f"{n}. п. {esc(task.clause_id)} пост. № {esc(task.resolution.number)} — {where}\n"
            f"   {esc(text)}"
        )
        if task.state == TaskState.OPEN and len(rows) < TASKS_WITH_BUTTONS:
            label = f"{n}"
            rows.append(
                (
                    Button(f"✅ {label}", sign(secret, Action.DONE, task.id)),
                    Button(f"📎 {label}", sign(secret, Action.REPORT, task.id)),
                    Button(f"⏳ {label}", sign(secret, Action.EXTEND, task.id)),
                )
            )
    if len(tasks) > TASKS_SHOWN:
        lines.append("…и другие; показаны ближайшие по сроку.")
    if rows:
        lines.append(
            "\nКнопки: ✅ выполнено, 📎 отправить отчёт, ⏳ нужна отсрочка (по номеру пункта)."
        )
    *first, last = split_message("\n".join(lines), TELEGRAM_LIMIT)
    return [*(Said(part) for part in first), Said(last, tuple(rows))]


async def _status(person: Person, now: datetime, secret: bytes) -> list[Said]:
    """Per-clause progress of every resolution the person controls."""
    parts: list[str] = []
    for resolution in await Resolution.filter(controller_id=person.id).order_by("id"):
        today = local_date(now, ZoneInfo(resolution.timezone))
        rows = (
            await Task.filter(resolution_id=resolution.id)
            .exclude(state=TaskState.CANCELLED)
            .values("clause_id", "state", "deadline", "extended_to")
        )
        by_clause: dict[str, Counter[str]] = defaultdict(Counter)
        for row in rows:
            late = (
                row["state"] == TaskState.OPEN and (row["extended_to"] or row["deadline"]) < today
            )
            by_clause[row["clause_id"]].update(
                {"all": 1, str(row["state"]): 1, "late": 1 if late else 0}
            )
        done = sum(c["done"] for c in by_clause.values())
        total = sum(c["all"] for c in by_clause.values())
        title = f"№ {esc(resolution.number)} «{esc(resolution.title)}»"
        lines = [f"<b>{title}</b> — выполнено {done} из {total}"]
        for clause in sorted(by_clause, key=clause_order):
            c = by_clause[clause]
            line = f"п. {esc(clause)}: выполнено {c['done']} из {c['all']}"
            line += f", на приёмке {c['reported']}" if c["reported"] else ""
            line += f", <b>просрочено {c['late']}</b>" if c["late"] else ""
            lines.append(line)
        pending = await _pending_extensions(resolution.id)
        if pending:
            lines.append(f"Просьб об отсрочке на рассмотрении: {pending}")
        parts.append("\n".join(lines))
    if not parts:
        return [Said(NOT_CONTROLLER)]
    *first, last = split_message("\n\n".join(parts), TELEGRAM_LIMIT)
    button = Button(REPORT_BUTTON, sign(secret, Action.REPORTS, 0))
    return [*(Said(p) for p in first), Said(last, (button,))]


async def _pending_extensions(resolution_id: str) -> int:
    return await Extension.filter(
        task__resolution_id=resolution_id, task__state=TaskState.OPEN, state=ExtensionState.PENDING
    ).count()
