"""Workflow files → a checked, compiled catalog: people, groups and resolutions with every
clause's owners expanded and its effective policy resolved. What ``apply`` and ``simulate`` read.

Over 300 lines on purpose: the cross-file checks of a workflow folder (ids, references,
duplicates) read best together; each check is a small function.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from engine.errors import Problem, WorkflowError
from engine.timing.calendar import next_working_day, russian_calendar
from engine.timing.occurrences import check_rule, occurrence_deadlines, recurrence_rule
from engine.workflow.loader import Located, load_documents
from engine.workflow.schema import Clause, Group, Person, Policy, PolicySpec, ResolutionMeta

ONCE = "once"  # the occurrence of a one-off clause
_ROMAN = re.compile(r"^[IVXLCDM]+$")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def clause_order(clause_id: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key in the decree's order: II.4 before II.10, section IX before X and after V."""
    return tuple(_part_order(part) for part in clause_id.split("."))


def _part_order(part: str) -> tuple[int, int, str]:
    if part.isdigit():
        return (0, int(part), "")
    if _ROMAN.match(part):
        values = [_ROMAN_VALUES[c] for c in part]
        total = sum(-v if v < nxt else v for v, nxt in zip(values, [*values[1:], 0], strict=True))
        return (0, total, "")
    return (1, 0, part)


class CompiledClause(BaseModel):
    """A clause as the engine runs it; stored with the resolution (the applied snapshot), so
    that ticks create later occurrences from what was applied, not from today's files."""

    model_config = ConfigDict(frozen=True)

    id: str
    text: str
    owners: tuple[str, ...]  # person ids, groups expanded, in order of first mention
    policy: Policy
    deadline: date | None  # one-off clauses
    rule: str | None  # recurring clauses: an RRULE
    until: date | None
    informational: bool

    def occurrences(
        self, adopted: date, through: date, *, after: date | None = None
    ) -> list[tuple[str, date]]:
        """(occurrence key, deadline) of each occurrence that exists by ``through`` (and, for
        recurring clauses, falls after ``after``). The key is the date the rule gives; the
        deadline moves to the next working day when the policy asks for working days."""
        if self.informational:
            return []
        if self.deadline is not None:
            return [(ONCE, self._working(self.deadline))]
        assert self.rule is not None
        return [
            (d.isoformat(), self._working(d))
            for d in occurrence_deadlines(self.rule, adopted, self.until, through, after=after)
        ]

    def _working(self, day: date) -> date:
        return next_working_day(day, russian_calendar()) if self.policy.working_days else day


@dataclass(frozen=True)
class CompiledResolution:
    meta: ResolutionMeta
    clauses: tuple[CompiledClause, ...]
    definition: dict[str, object]  # the document as applied: the snapshot stored with it
    digest: str
    source: str

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.meta.timezone)


@dataclass(frozen=True)
class Catalog:
    people: dict[str, Person]
    groups: dict[str, Group]
    resolutions: tuple[CompiledResolution, ...]


def load_catalog(paths: Iterable[str | Path]) -> Catalog:
    """Load, validate and cross-check the files; raise WorkflowError with every problem."""
    located, problems = load_documents(paths)
    if problems:
        # A document the schema rejected is missing as a whole: cross-checking the rest would
        # report every reference to it as unknown. Syntax and schema first, references after.
        raise WorkflowError(problems)
    catalog, problems = compile_catalog(located)
    if problems:
        raise WorkflowError(problems)
    return catalog


def compile_catalog(located: list[Located]) -> tuple[Catalog, list[Problem]]:
    problems: list[Problem] = []
    people: dict[str, tuple[Person, Located, int]] = {}
    groups: dict[str, tuple[Group, Located, int]] = {}

    for doc in located:
        for i, person in enumerate(doc.document.people):
            if person.id in people:
                problems.append(
                    doc.problem(
                        ("people", i, "id"), _again("человек", person.id, people[person.id][1:])
                    )
                )
            else:
                people[person.id] = (person, doc, i)
    chats: dict[int, str] = {}
    for person, doc, i in people.values():
        if person.telegram is None:
            continue
        if person.telegram in chats:
            problems.append(
                doc.problem(
                    ("people", i, "telegram"),
                    f"этот Telegram уже указан у «{chats[person.telegram]}»: "
                    "у каждого человека свой чат",
                )
            )
        chats.setdefault(person.telegram, person.id)
    max_users: dict[int, str] = {}
    for person, doc, i in people.values():
        if person.max is None:
            continue
        if person.max in max_users:
            problems.append(
                doc.problem(
                    ("people", i, "max"),
                    f"этот MAX уже указан у «{max_users[person.max]}»: у каждого человека свой",
                )
            )
        max_users.setdefault(person.max, person.id)
    for doc in located:  # after every person of every file: a clash is found in any order
        for i, group in enumerate(doc.document.groups):
            if group.id in groups:
                problems.append(
                    doc.problem(
                        ("groups", i, "id"), _again("группа", group.id, groups[group.id][1:])
                    )
                )
            elif group.id in people:
                problems.append(
                    doc.problem(("groups", i, "id"), f"«{group.id}» уже занят человеком из списка")
                )
            else:
                groups[group.id] = (group, doc, i)

    for group, doc, i in groups.values():
        if not group.members:
            problems.append(
                doc.problem(("groups", i, "members"), f"в группе «{group.id}» нет участников")
            )
        for j, member in enumerate(group.members):
            if member not in people:
                problems.append(
                    doc.problem(("groups", i, "members", j), _unknown_person(member, groups))
                )

    resolutions: list[CompiledResolution] = []
    seen: dict[str, Located] = {}
    for doc in located:
        meta = doc.document.resolution
        if meta is None:
            continue
        if meta.id in seen:
            problems.append(
                doc.problem(
                    ("resolution", "id"),
                    f"постановление «{meta.id}» уже описано в {seen[meta.id].path}",
                )
            )
            continue
        seen[meta.id] = doc
        compiled, found = _compile_resolution(
            doc, meta, {k: v[0] for k, v in people.items()}, {k: v[0] for k, v in groups.items()}
        )
        problems += found
        resolutions.append(compiled)

    catalog = Catalog(
        people={k: v[0] for k, v in people.items()},
        groups={k: v[0] for k, v in groups.items()},
        resolutions=tuple(resolutions),
    )
    return catalog, problems


def _compile_resolution(
    doc: Located, meta: ResolutionMeta, people: dict[str, Person], groups: dict[str, Group]
) -> tuple[CompiledResolution, list[Problem]]:
    problems: list[Problem] = []
    if meta.controller not in people:
        problems.append(
            doc.problem(("resolution", "controller"), _unknown_person(meta.controller, groups))
        )
    base = Policy().merged(doc.document.policy)
    problems += _check_policy(doc, ("policy",), doc.document.policy, people, groups)

    clauses: list[CompiledClause] = []
    seen: set[str] = set()
    for i, clause in enumerate(doc.document.clauses or []):
        where = ("clauses", i)
        if clause.id in seen:
            problems.append(doc.problem((*where, "id"), f"пункт «{clause.id}» повторяется"))
        seen.add(clause.id)
        policy = base.merged(clause.policy)
        problems += _check_policy(doc, (*where, "policy"), clause.policy, people, groups)
        owners: list[str] = []
        for j, owner in enumerate(clause.owners):
            if owner in groups:
                owners += groups[owner].members
            elif owner in people:
                owners.append(owner)
            else:
                problems.append(
                    doc.problem(
                        (*where, "owners", j),
                        f"неизвестный исполнитель «{owner}»: "
                        "нет ни такого человека, ни такой группы",
                    )
                )
        compiled, found = _compile_timing(doc, where, meta.adopted, clause)
        problems += found
        clauses.append(
            CompiledClause(
                id=clause.id,
                text=clause.text,
                owners=tuple(dict.fromkeys(owners)),
                policy=policy,
                deadline=compiled[0],
                rule=compiled[1],
                until=clause.until,
                informational=clause.informational,
            )
        )

    definition = doc.document.model_dump(
        mode="json", by_alias=True, exclude={"people", "groups"}, exclude_none=True
    )
    # The digest covers the compiled clauses too: a roster change that alters who is in a group
    # changes what the engine runs, so re-applying stores it.
    compiled_json = [c.model_dump(mode="json") for c in clauses]
    digest = hashlib.sha256(
        json.dumps([definition, compiled_json], sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
    return CompiledResolution(meta, tuple(clauses), definition, digest, doc.path), problems


def _compile_timing(
    doc: Located, where: tuple[str | int, ...], adopted: date, clause: Clause
) -> tuple[tuple[date | None, str | None], list[Problem]]:
    problems: list[Problem] = []
    deadline: date | None = None
    rule: str | None = None
    if isinstance(clause.deadline, int):
        deadline = adopted + timedelta(days=clause.deadline)
    elif clause.deadline is not None:
        deadline = clause.deadline
    if deadline is not None and deadline < adopted:
        problems.append(
            doc.problem(
                (*where, "deadline"),
                f"срок {deadline:%d.%m.%Y} раньше даты принятия {adopted:%d.%m.%Y}",
            )
        )
    if clause.every is not None:
        rule = recurrence_rule(clause.every, clause.day)
        if (why := check_rule(rule)) is not None:
            problems.append(doc.problem((*where, "every"), f"не удалось разобрать RRULE: {why}"))
        if clause.until is not None and clause.until <= adopted:
            problems.append(
                doc.problem(
                    (*where, "until"), f"until {clause.until:%d.%m.%Y} не позже даты принятия"
                )
            )
    return (deadline, rule), problems


def _check_policy(
    doc: Located,
    where: tuple[str | int, ...],
    spec: PolicySpec | None,
    people: dict[str, Person],
    groups: dict[str, Group],
) -> list[Problem]:
    """Checks of the policy keys as written at ``where`` (inherited ones are checked where
    they are written, once)."""
    problems: list[Problem] = []
    if spec is None:
        return problems
    for k, offset in enumerate(spec.remind or ()):
        if offset > 0:
            problems.append(
                doc.problem(
                    (*where, "remind", k),
                    f"напоминание +{offset}d после срока: для этого есть escalate",
                )
            )
    for k, step in enumerate(spec.escalate or ()):
        if step.to != "controller" and step.to not in people and step.to not in groups:
            problems.append(
                doc.problem(
                    (*where, "escalate", k, "to"),
                    f"неизвестный получатель «{step.to}»: укажите controller, человека или группу",
                )
            )
    return problems


def _again(kind: str, ident: str, first: tuple[Located, int]) -> str:
    return f"{kind} «{ident}» уже описан(а) в {first[0].path}"


def _unknown_person(ident: str, groups: Mapping[str, object]) -> str:
    if ident in groups:
        return f"«{ident}» — группа, а здесь нужен человек"
    return f"неизвестный человек «{ident}»"
