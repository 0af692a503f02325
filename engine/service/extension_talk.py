"""Asking for more time in Telegram: the new date, a check of a far one, and the reason.

The owner pressed «Нужна отсрочка»; the dialogue (``storage.models.Dialogue``) then walks
``extension_date`` → (``extension_confirm`` for a date more than ``CONFIRM_AFTER_DAYS`` away) →
``extension_reason``. A date is refused when it is not after the current deadline or has passed;
a "reason" that is nothing but a date is read as a corrected date, not sent as the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date

from engine.callbacks import Action, sign
from engine.channels.base import Button
from engine.dates_ru import date_only, parse_new_date
from engine.render import dmy, plural
from engine.service import control
from engine.service.delivery import Keyboard
from engine.timing.local import local_date
from storage.models import Dialogue, Person, Resolution, Task, TaskState

CONFIRM_AFTER_DAYS = 92  # a new deadline further out than ~3 months is asked back yes/no
EXAMPLE_AFTER_DAYS = 14  # the example date in a prompt: two weeks after the deadline

DATE_NOT_UNDERSTOOD = (
    "Не удалось понять дату. Напишите, например, {examples}. Передумали — /cancel."
)
ASK_REASON = "Новый срок — {to}. Коротко напишите причину отсрочки. Передумали — /cancel."
ASK_CONFIRM = (
    "Новый срок — {to}, это через {days} {days_word} и на {more} {more_word} позже нынешнего "
    "({deadline}). Всё верно?"
)
ASK_CONFIRM_AGAIN = "Ответьте, пожалуйста, кнопкой «Да» или «Нет» (или напишите другую дату)."
ASK_OTHER_DATE = "Хорошо. Напишите другую дату, например, {examples}. Передумали — /cancel."
REASON_IS_A_DATE = "Это похоже на дату, а не на причину. "
ANSWER_CONFIRMED = "Срок подтверждён."
ANSWER_OTHER = "Жду другую дату."
ANSWER_QUESTION_STALE = "Этот вопрос уже неактуален: ничего не изменено."
YES_WORDS = frozenset({"да", "верно", "да, верно", "yes", "подтверждаю", "ок", "ok"})
NO_WORDS = frozenset({"нет", "не", "no", "неверно", "нет, другая дата"})


@dataclass(frozen=True)
class Answer:
    name: str  # stable name for the inbound record
    html: str
    buttons: Keyboard = ()


def examples(deadline: date, today: date) -> str:
    """«до 5 марта», «05.03.2024», «на неделю» или «через две недели», from the task's own
    deadline (never a date of some other year)."""
    sample = max(deadline, today) + timedelta(days=EXAMPLE_AFTER_DAYS)
    worded = format_date(sample, "d MMMM", locale="ru")
    return f"«до {worded}», «{dmy(sample)}», «на неделю» или «через две недели»"


async def today_of(task: Task, person: Person, now: datetime) -> date:
    resolution = await Resolution.get(id=task.resolution_id)
    return local_date(now, ZoneInfo(person.timezone or resolution.timezone))


async def on_date(
    dialogue: Dialogue, task: Task, text: str, person: Person, now: datetime, secret: bytes
) -> Answer:
    """The owner's answer to «До какой даты нужна отсрочка?»."""
    today = await today_of(task, person, now)
    deadline = task.extended_to or task.deadline
    to = parse_new_date(text, today, deadline=deadline) if text else None
    if to is None:
        return Answer(
            "date-not-understood", DATE_NOT_UNDERSTOOD.format(examples=examples(deadline, today))
        )
    problem = control.extension_problem(task, to, today)
    if problem is not None:
        dialogue.step, dialogue.data = "extension_date", {}
        await dialogue.save()
        return Answer("date-refused", f"{problem} Передумали — /cancel.")
    dialogue.data = {"to": to.isoformat()}
    if (to - today).days > CONFIRM_AFTER_DAYS:
        dialogue.step = "extension_confirm"
        await dialogue.save()
        days, more = (to - today).days, (to - deadline).days
        question = ASK_CONFIRM.format(
            to=dmy(to), days=days, days_word=plural(days, "день", "дня", "дней"),
            more=more, more_word=plural(more, "день", "дня", "дней"), deadline=dmy(deadline),
        )  # fmt: skip
        return Answer("asked-confirm", question, confirm_buttons(secret, task.id))
    dialogue.step = "extension_reason"
    await dialogue.save()
    return Answer("asked-reason", ASK_REASON.format(to=dmy(to)))


def confirm_buttons(secret: bytes, task_id: int) -> Keyboard:
    return (
        (
            Button("✔️ Да, верно", sign(secret, Action.DATE_YES, task_id)),
            Button("✖️ Нет, другая дата", sign(secret, Action.DATE_NO, task_id)),
        ),
    )


async def on_confirm_text(
    dialogue: Dialogue, task: Task, text: str, person: Person, now: datetime, secret: bytes
) -> Answer:
    """A typed «да» / «нет» to the question about a far date, or another date."""
    word = text.strip().lower().rstrip(".!")
    if word in YES_WORDS:
        return await _confirmed(dialogue)
    if word in NO_WORDS:
        return await _other_date(dialogue, task, person, now)
    today = await today_of(task, person, now)
    if parse_new_date(text, today, deadline=task.extended_to or task.deadline) is not None:
        return await on_date(dialogue, task, text, person, now, secret)
    return Answer("asked-confirm-again", ASK_CONFIRM_AGAIN)


async def on_confirm_press(
    yes: bool, chat_id: int, task: Task, person: Person, now: datetime
) -> tuple[str, str, str | None]:
    """A press of «Да» / «Нет»: (answer to the press, stable name, prompt to send)."""
    dialogue = await Dialogue.get_or_none(chat_id=chat_id)
    if (
        dialogue is None
        or dialogue.step != "extension_confirm"
        or dialogue.task_id != task.id
        or dialogue.person_id != person.id
        or dialogue.expires_at <= now
        or task.state != TaskState.OPEN
    ):
        return ANSWER_QUESTION_STALE, "stale", None
    answer = await (_confirmed(dialogue) if yes else _other_date(dialogue, task, person, now))
    return (ANSWER_CONFIRMED if yes else ANSWER_OTHER), answer.name, answer.html


async def on_reason(
    dialogue: Dialogue, task: Task, text: str, person: Person, now: datetime, secret: bytes
) -> Answer | None:
    """A "reason" that is only a date is a corrected date; None: it is a reason indeed."""
    today = await today_of(task, person, now)
    if date_only(text, today, deadline=task.extended_to or task.deadline) is None:
        return None
    answer = await on_date(dialogue, task, text, person, now, secret)
    return Answer(answer.name, REASON_IS_A_DATE + answer.html, answer.buttons)


async def _confirmed(dialogue: Dialogue) -> Answer:
    dialogue.step = "extension_reason"
    await dialogue.save()
    to = date.fromisoformat(str(dialogue.data["to"]))
    return Answer("asked-reason", ASK_REASON.format(to=dmy(to)))


async def _other_date(dialogue: Dialogue, task: Task, person: Person, now: datetime) -> Answer:
    dialogue.step, dialogue.data = "extension_date", {}
    await dialogue.save()
    today = await today_of(task, person, now)
    hint = examples(task.extended_to or task.deadline, today)
    return Answer("asked-date", ASK_OTHER_DATE.format(examples=hint))
