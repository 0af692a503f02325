"""The schema of workflow files (roster and resolutions), and the JSON Schema published from it.

A file holds any mix of ``people``, ``groups`` and one resolution (``resolution``, ``policy``,
``clauses``); several YAML documents may share a file. Durations are strings such as ``-7d``,
``+15d`` or ``2w``; times of day are quoted ``"HH:MM"``.

Over 300 lines on purpose: the whole workflow schema (the published JSON Schema is generated
from it) in one place.
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from engine.channels.registry import CHANNELS, check_channel
from engine.workflow.bounds import (
    CHAT_ID_MAX,
    MULTI_LINE_PATTERN,
    SINGLE_LINE_PATTERN,
    check_date,
    check_days,
    check_rule_text,
    multi_line,
    single_line,
)

_DAYS = re.compile(r"^(?P<sign>[+-]?)(?P<n>\d{1,4})(?P<unit>[dw])$")
_TIME = re.compile(r"^(?P<h>[01]\d|2[0-3]):(?P<m>[0-5]\d)$")
DAYS_PATTERN = r"^[+-]?\d{1,4}[dw]$"
TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d$"
QUIET_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$"


def parse_days(value: Any) -> int:
    """``"-7d"`` → -7, ``"2w"`` → 14, ``"+15d"`` → 15; a bare integer is a number of days."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and (m := _DAYS.match(value.strip())):
        n = int(m["n"]) * (7 if m["unit"] == "w" else 1)
        return -n if m["sign"] == "-" else n
    raise ValueError(f"ожидается срок вида -7d, 0d, +15d или 2w, а не {value!r}")


def parse_time(value: Any) -> time:
    """``"09:00"`` → 09:00. Unquoted 9:00 is a number to YAML 1.1, hence the hint."""
    if isinstance(value, time):
        return value
    if isinstance(value, str) and (m := _TIME.match(value.strip())):
        return time(int(m["h"]), int(m["m"]))
    raise ValueError(f'ожидается время "ЧЧ:ММ" в кавычках, например "09:00", а не {value!r}')


def parse_deadline(value: Any) -> date | int:
    """A date, or a number of days after adoption written ``+15d``."""
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip().startswith("+"):
        return parse_days(value)
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(
        f"ожидается дата вида 2023-10-20 или срок после принятия вида +15d, а не {value!r}"
    )


def parse_every(value: Any) -> str:
    if isinstance(value, str) and (value in FREQUENCIES or value.startswith("RRULE:")):
        return value
    raise ValueError(
        f'ожидается daily, weekly, monthly, quarterly или строка "RRULE:…", а не {value!r}'
    )


def parse_zone(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"ожидается имя часового пояса, например Europe/Moscow, а не {value!r}")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # "Europe" is a folder of zones
        raise ValueError(f"неизвестный часовой пояс {value!r}") from None
    return value


def parse_quiet_hours(value: Any) -> tuple[time, time] | None:
    if value is None or value in ("none", "off"):
        return None
    if isinstance(value, tuple):
        return value
    if isinstance(value, str) and "-" in value:
        start, _, end = value.partition("-")
        return parse_time(start), parse_time(end)
    raise ValueError(f'ожидаются тихие часы вида "21:00-09:00" или none, а не {value!r}')


def _check_deadline(value: date | int) -> date | int:
    return check_date(value) if isinstance(value, date) else check_days(value)


Days = Annotated[
    int,
    BeforeValidator(parse_days),
    AfterValidator(check_days),
    WithJsonSchema({"type": "string", "pattern": DAYS_PATTERN, "examples": ["-7d", "0d", "2w"]}),
]
TimeOfDay = Annotated[
    time,
    BeforeValidator(parse_time),
    WithJsonSchema({"type": "string", "pattern": TIME_PATTERN, "examples": ["09:00"]}),
]
QuietHours = Annotated[
    tuple[time, time] | None,
    BeforeValidator(parse_quiet_hours),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": QUIET_PATTERN, "examples": ["21:00-09:00"]},
                {"type": "null"},
                {"const": "none"},
            ]
        }
    ),
]
TimeZoneName = Annotated[str, BeforeValidator(parse_zone)]
Identifier = Annotated[
    str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]*$", min_length=1, max_length=64)
]
ClauseId = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", min_length=1, max_length=32)
]
# Text that reaches a message or a mail header: no control characters (a newline in a name
# ends the header early), on one line except a clause's text, which may have paragraphs.
_ONE_LINE = (AfterValidator(single_line), Field(json_schema_extra={"pattern": SINGLE_LINE_PATTERN}))
Text = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=4000),
    AfterValidator(multi_line),
    Field(json_schema_extra={"pattern": MULTI_LINE_PATTERN}),
]
Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000), *_ONE_LINE
]
# Lengths the database columns hold (storage/models.py).
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), *_ONE_LINE
]
Label = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), *_ONE_LINE
]
Short = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), *_ONE_LINE
]
Email = Annotated[
    str,
    StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254),
    AfterValidator(single_line),
]
Day = Annotated[date, AfterValidator(check_date)]
# A registered channel's name (engine/channels/registry.py): the schema lists those known at
# import, the validator asks the registry as it is.
Channel = Annotated[
    str,
    AfterValidator(check_channel),
    WithJsonSchema({"type": "string", "enum": list(CHANNELS.names)}),
]
FREQUENCIES = ("daily", "weekly", "monthly", "quarterly")
Deadline = Annotated[
    date | int,
    BeforeValidator(parse_deadline),
    AfterValidator(_check_deadline),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date"},
                {"type": "string", "pattern": r"^\+\d{1,4}[dw]$"},
            ]
        }
    ),
]
Every = Annotated[
    str,
    BeforeValidator(parse_every),
    BeforeValidator(check_rule_text),
    WithJsonSchema(
        {"anyOf": [{"enum": list(FREQUENCIES)}, {"type": "string", "pattern": "^RRULE:"}]}
    ),
]


def _coerce_str(value: Any) -> Any:
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Person(_Model):
    """Someone who owns tasks, controls a resolution, or receives digests."""

    id: Identifier
    name: Name
    position: Label | None = None
    organisation: Label | None = None
    email: Email | None = None
    telegram: int | None = Field(
        default=None, ge=-CHAT_ID_MAX, le=CHAT_ID_MAX, description="Telegram chat id, when known"
    )
    max: int | None = Field(default=None, ge=1, le=2**63 - 1, description="MAX user id, when known")
    timezone: TimeZoneName | None = None
    quiet_hours: QuietHours = Field(default=None, description='e.g. "22:00-08:00"')
    channels: list[Channel] | None = Field(
        default=None, max_length=8, description="preferred channel order"
    )


class Group(_Model):
    """A named set of people; a group among a clause's owners fans out to one task per member."""

    id: Identifier
    name: Label | None = None
    members: list[Identifier]


class Escalation(_Model):
    """Put an unconfirmed task into ``to``'s digest ``after`` days past the deadline."""

    after: Days = Field(description="days after the deadline, e.g. 1d")
    to: Identifier = Field(description='"controller", a person id or a group id')
    every: Days | None = Field(default=None, description="repeat while overdue, e.g. 3d")

    @field_validator("after")
    @classmethod
    def _not_before_deadline(cls, value: int) -> int:
        if value < 0:
            raise ValueError("after — дни после срока: 0d или больше")
        return value

    @field_validator("every")
    @classmethod
    def _positive_period(cls, value: int | None) -> int | None:
        if value is not None and value <= 0:
            raise ValueError("every — период повторения: 1d или больше")
        return value


class PolicySpec(_Model):
    """Policy keys as written: all optional, a clause's override wins over the resolution's."""

    remind: list[Days] | None = Field(default=None, max_length=20)
    remind_at: TimeOfDay | None = None
    escalate: list[Escalation] | None = Field(default=None, max_length=10)
    digest_at: TimeOfDay | None = None
    acceptance: Literal["controller", "none"] | None = None
    quiet_hours: QuietHours = None
    working_days: bool | None = Field(
        default=None, description="move deadlines and reminders off weekends and RU holidays"
    )


class Policy(_Model):
    """The effective policy of one clause, snapshotted onto each task created from it."""

    remind: tuple[int, ...] = (-7, -1, 0)
    remind_at: time = time(9, 0)
    escalate: tuple[Escalation, ...] = (Escalation(after=1, to="controller"),)
    digest_at: time = time(9, 30)
    acceptance: Literal["controller", "none"] = "controller"
    quiet_hours: tuple[time, time] | None = (time(21, 0), time(9, 0))
    working_days: bool = False

    def merged(self, spec: PolicySpec | None) -> Policy:
        if spec is None:
            return self
        given = {k: v for k, v in spec.model_dump(exclude_unset=True).items()}
        if "escalate" in given:
            given["escalate"] = tuple(spec.escalate or ())
        if "remind" in given:
            given["remind"] = tuple(sorted(spec.remind or ()))
        return self.model_copy(update=given)


class ResolutionMeta(_Model):
    id: Identifier
    title: Title
    number: Annotated[Short, BeforeValidator(_coerce_str)]
    adopted: Day
    timezone: TimeZoneName = "Europe/Moscow"
    controller: Identifier
    body: Title | None = Field(default=None, description="the adopting body")


class Clause(_Model):
    """One clause: who must do what by when. Exactly one of deadline, every, informational."""

    id: ClauseId
    text: Text
    owners: list[Identifier] = Field(default_factory=list, max_length=1000)
    deadline: Deadline | None = Field(default=None, description='a date, or "+15d"')
    every: Every | None = None
    day: int | None = Field(default=None, ge=1, le=31)
    until: Day | None = None
    informational: bool = False
    policy: PolicySpec | None = None

    @field_validator("day")
    @classmethod
    def _weekday_for_weekly(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is not None and info.data.get("every") == "weekly" and value > 7:
            raise ValueError("для weekly day — день недели от 1 (пн) до 7 (вс)")
        return value

    @model_validator(mode="after")
    def _one_timing(self) -> Clause:
        kinds = [self.deadline is not None, self.every is not None, self.informational]
        if sum(kinds) != 1:
            raise ValueError(
                "у пункта должно быть ровно одно из: deadline (срок), every (периодичность) "
                "или informational: true"
            )
        if not self.informational and not self.owners:
            raise ValueError("у пункта нет исполнителей (owners)")
        if self.every is None and (self.day is not None or self.until is not None):
            raise ValueError("day и until имеют смысл только вместе с every")
        return self


class Document(_Model):
    """One YAML document: any mix of roster and (at most) one resolution."""

    schema_: str | None = Field(default=None, alias="$schema")
    people: list[Person] = Field(default_factory=list)
    groups: list[Group] = Field(default_factory=list)
    resolution: ResolutionMeta | None = None
    policy: PolicySpec | None = None
    clauses: list[Clause] | None = None

    @model_validator(mode="after")
    def _resolution_parts(self) -> Document:
        if self.resolution is None and (self.policy is not None or self.clauses is not None):
            raise ValueError("policy и clauses задаются только вместе с resolution")
        if self.resolution is not None and not self.clauses:
            raise ValueError("у постановления нет пунктов (clauses)")
        return self


def json_schema() -> dict[str, Any]:
    """The JSON Schema editors use for autocompletion (published as schema/resolute.schema.json)."""
    schema = Document.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "resolute workflow file"
    return schema


if __name__ == "__main__":  # python -m engine.workflow.schema > schema/resolute.schema.json
    import json
    import sys

    json.dump(json_schema(), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
