"""Asking for more time in a messenger: the new date, a check of a far one, and the reason.

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

from engine.callbacks import Action, Press
from engine.channels.base import Button, Keyboard
from engine.channels.events import Who
from engine.dates_ru import date_only, parse_new_date
from engine.render import dmy
from engine.service import control
from engine.texts import Texts
from engine.timing.local import local_date
from storage.models import Dialogue, Person, Resolution, Task, TaskState

CONFIRM_AFTER_DAYS = 92  # a new deadline further out than ~3 months is asked back yes/no
EXAMPLE_AFTER_DAYS = 14  # the example date in a prompt: two weeks after the deadline
# What a typed answer to the yes/no question may be: words read, never shown.
YES_WORDS = frozenset({"да", "верно", "да, верно", "yes", "подтверждаю", "ок", "ok"})
NO_WORDS = frozenset({"нет", "не", "no", "неверно", "нет, другая дата"})


@dataclass(frozen=True)
class Answer:
    name: str  # stable name for the inbound record
    html: str  # plain text, escaped where it is sent
    buttons: Keyboard = ()


async def today_of(task: Task, person: Person, now: datetime) -> date:
    resolution = await Resolution.get(id=task.resolution_id)
    return local_date(now, ZoneInfo(person.timezone or resolution.timezone))


def confirm_buttons(task_id: int, texts: Texts, channel: str | None = None) -> Keyboard:
    return (
        (
            Button(texts.plain("extension.button_yes", channel), Press(Action.DATE_YES, task_id)),
            Button(texts.plain("extension.button_no", channel), Press(Action.DATE_NO, task_id)),
        ),
    )


@dataclass(frozen=True)
class Talk:
    """The dialogue about more time with one person, in the words of ``texts`` for the
    messenger ``channel`` they write from."""

    texts: Texts
    channel: str

    def _say(self, key: str, **context: object) -> str:
        return self.texts.plain(key, self.channel, **context)

    def examples(self, deadline: date, today: date) -> str:
        """«до 5 марта», «05.03.2024», «на неделю» или «через две недели», from the task's own
        deadline (never a date of some other year)."""
        sample = max(deadline, today) + timedelta(days=EXAMPLE_AFTER_DAYS)
        day = format_date(sample, "d MMMM", locale="ru")
        return self._say("extension.examples", day=day, date=dmy(sample))

    async def on_date(
        self, dialogue: Dialogue, task: Task, text: str, person: Person, now: datetime
    ) -> Answer:
        """The owner's answer to «До какой даты нужна отсрочка?»."""
        today = await today_of(task, person, now)
        deadline = task.extended_to or task.deadline
        to = parse_new_date(text, today, deadline=deadline) if text else None
        if to is None:
            hint = self.examples(deadline, today)
            return Answer(
                "date-not-understood", self._say("extension.date_not_understood", examples=hint)
            )
        problem = control.extension_problem(task, to, today, self.texts, self.channel)
        if problem is not None:
            dialogue.step, dialogue.data = "extension_date", {}
            await dialogue.save()
            return Answer("date-refused", self._say("extension.date_refused", problem=problem))
        dialogue.data = {"to": to.isoformat()}
        if (to - today).days > CONFIRM_AFTER_DAYS:
            dialogue.step = "extension_confirm"
            await dialogue.save()
            question = self._say(
                "extension.ask_confirm", to=dmy(to), days=(to - today).days,
                more=(to - deadline).days, deadline=dmy(deadline),
            )  # fmt: skip
            buttons = confirm_buttons(task.id, self.texts, self.channel)
            return Answer("asked-confirm", question, buttons)
        dialogue.step = "extension_reason"
        await dialogue.save()
        return Answer("asked-reason", self._say("extension.ask_reason", to=dmy(to)))

    async def on_confirm_text(
        self, dialogue: Dialogue, task: Task, text: str, person: Person, now: datetime
    ) -> Answer:
        """A typed «да» / «нет» to the question about a far date, or another date."""
        word = text.strip().lower().rstrip(".!")
        if word in YES_WORDS:
            return await self._confirmed(dialogue)
        if word in NO_WORDS:
            return await self._other_date(dialogue, task, person, now)
        today = await today_of(task, person, now)
        if parse_new_date(text, today, deadline=task.extended_to or task.deadline) is not None:
            return await self.on_date(dialogue, task, text, person, now)
        return Answer("asked-confirm-again", self._say("extension.ask_confirm_again"))

    async def on_confirm_press(
        self, yes: bool, who: Who, task: Task, person: Person, now: datetime
    ) -> tuple[str, str, str | None]:
        """A press of «Да» / «Нет»: (answer to the press, stable name, prompt to send)."""
        dialogue = await Dialogue.get_or_none(channel=who.channel, chat_id=who.chat_id)
        if (
            dialogue is None
            or dialogue.step != "extension_confirm"
            or dialogue.task_id != task.id
            or dialogue.person_id != person.id
            or dialogue.expires_at <= now
            or task.state != TaskState.OPEN
        ):
            return self._say("extension.question_stale"), "stale", None
        if yes:
            answer = await self._confirmed(dialogue)
        else:
            answer = await self._other_date(dialogue, task, person, now)
        said = self._say("extension.confirmed" if yes else "extension.other")
        return said, answer.name, answer.html

    async def on_reason(
        self, dialogue: Dialogue, task: Task, text: str, person: Person, now: datetime
    ) -> Answer | None:
        """A "reason" that is only a date is a corrected date; None: it is a reason indeed."""
        today = await today_of(task, person, now)
        if date_only(text, today, deadline=task.extended_to or task.deadline) is None:
            return None
        answer = await self.on_date(dialogue, task, text, person, now)
        corrected = self._say("extension.reason_is_a_date", answer=answer.html)
        return Answer(answer.name, corrected, answer.buttons)

    async def _confirmed(self, dialogue: Dialogue) -> Answer:
        dialogue.step = "extension_reason"
        await dialogue.save()
        to = date.fromisoformat(str(dialogue.data["to"]))
        return Answer("asked-reason", self._say("extension.ask_reason", to=dmy(to)))

    async def _other_date(
        self, dialogue: Dialogue, task: Task, person: Person, now: datetime
    ) -> Answer:
        dialogue.step, dialogue.data = "extension_date", {}
        await dialogue.save()
        today = await today_of(task, person, now)
        hint = self.examples(task.extended_to or task.deadline, today)
        return Answer("asked-date", self._say("extension.ask_other_date", examples=hint))
