"""What a report is made of, read from storage once: the resolution's snapshot, its tasks, the
evidence counts, the extension requests. Plain immutable records; nothing here decides anything."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from engine.errors import ResoluteError
from storage.models import (
    Evidence,
    Extension,
    ExtensionState,
    Person,
    Resolution,
    Task,
    TaskState,
)


class UnknownResolution(ResoluteError):
    """No such resolution in the database."""


@dataclass(frozen=True)
class PersonFact:
    id: str
    name: str
    position: str | None = None
    organisation: str | None = None


@dataclass(frozen=True)
class ClauseFact:
    id: str
    text: str
    informational: bool = False
    recurring: bool = False
    until: date | None = None


@dataclass(frozen=True)
class EvidenceFact:
    """What came with a task's report, counted by kind; the texts the owner wrote."""

    photos: int = 0
    files: int = 0
    links: int = 0
    texts: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        return self.photos + self.files + self.links + len(self.texts)


@dataclass(frozen=True)
class TaskFact:
    id: int
    clause: str
    owner: str
    occurrence: str
    deadline: date  # as the definition sets it
    extended_to: date | None
    state: TaskState
    reported_at: datetime | None
    closed_at: datetime | None


@dataclass(frozen=True)
class ExtensionFact:
    task_id: int
    requested_to: date
    state: ExtensionState


@dataclass(frozen=True)
class Facts:
    resolution_id: str
    title: str
    number: str
    adopted: date
    timezone: str
    body: str | None
    controller: PersonFact
    clauses: tuple[ClauseFact, ...]
    people: dict[str, PersonFact]
    tasks: tuple[TaskFact, ...]
    evidence: dict[int, EvidenceFact] = field(default_factory=dict)
    extensions: tuple[ExtensionFact, ...] = ()


def evidence_kind(content_type: str | None, file_name: str | None, reference: str | None) -> str:
    """photo | link | file | text, as the report counts them."""
    if content_type == "text/uri-list":
        return "link"
    if content_type is not None and content_type.startswith("image/"):
        return "photo"
    if file_name is not None or reference is not None or content_type is not None:
        return "file"
    return "text"


async def load_facts(resolution_id: str) -> Facts:
    resolution = await Resolution.get_or_none(id=resolution_id)
    if resolution is None:
        raise UnknownResolution(f"Постановления «{resolution_id}» нет в базе.")
    document = resolution.definition.get("document", {})
    meta = document.get("resolution", {}) if isinstance(document, dict) else {}
    clauses = tuple(
        ClauseFact(
            id=str(c["id"]),
            text=str(c["text"]),
            informational=bool(c.get("informational")),
            recurring=c.get("rule") is not None,
            until=date.fromisoformat(c["until"]) if c.get("until") else None,
        )
        for c in resolution.definition.get("clauses", [])
    )
    rows = await Task.filter(resolution_id=resolution_id).values_list(
        "id", "clause_id", "owner_id", "occurrence", "deadline", "extended_to", "state",
        "reported_at", "closed_at",
    )  # fmt: skip
    tasks = tuple(
        TaskFact(tid, cid, oid, occ, dl, ext, TaskState(st), rep, closed)
        for tid, cid, oid, occ, dl, ext, st, rep, closed in rows
    )
    owners = {t.owner for t in tasks} | {resolution.controller_id}
    people = {
        pid: PersonFact(pid, name, position, organisation)
        for pid, name, position, organisation in await Person.filter(
            id__in=sorted(owners)
        ).values_list("id", "name", "position", "organisation")
    }
    evidence = await _evidence(resolution_id)
    extensions = tuple(
        ExtensionFact(tid, to, ExtensionState(st))
        for tid, to, st in await Extension.filter(task__resolution_id=resolution_id).values_list(
            "task_id", "requested_to", "state"
        )
    )
    return Facts(
        resolution_id=resolution.id,
        title=resolution.title,
        number=resolution.number,
        adopted=resolution.adopted,
        timezone=resolution.timezone,
        body=meta.get("body") if isinstance(meta, dict) else None,
        controller=people[resolution.controller_id],
        clauses=clauses,
        people=people,
        tasks=tasks,
        evidence=evidence,
        extensions=extensions,
    )


async def _evidence(resolution_id: str) -> dict[int, EvidenceFact]:
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    texts: dict[int, list[str]] = defaultdict(list)
    rows = (
        await Evidence.filter(task__resolution_id=resolution_id)
        .order_by("id")
        .values_list("task_id", "content_type", "file_name", "reference", "text")
    )  # never the files themselves
    for task_id, content_type, file_name, reference, text in rows:
        kind = evidence_kind(content_type, file_name, reference)
        if kind != "text":
            counts[task_id][kind] += 1
        if text and kind != "link":  # a caption under a photo is a text as well
            texts[task_id].append(text)
    return {
        task_id: EvidenceFact(
            counts[task_id]["photo"],
            counts[task_id]["file"],
            counts[task_id]["link"],
            tuple(texts[task_id]),
        )
        for task_id in counts.keys() | texts.keys()
    }
