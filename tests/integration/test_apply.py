"""apply against a real database: idempotent, edits update tasks in flight, nothing is lost."""

from __future__ import annotations

from pathlib import Path

from engine.service.apply import apply_catalog
from engine.workflow.catalog import load_catalog
from storage.models import AuditEvent, Resolution, Task, TaskState
from tests.helpers import at, write_workflow

NOW = at("2023-10-06T10:00+03:00")


async def states() -> dict[str, str]:
    return {t.owner_id: t.state.value for t in await Task.all()}


async def test_first_apply_creates_one_task_per_owner_and_second_changes_nothing(
    db: str, tmp_path: Path
) -> None:
    catalog = load_catalog([write_workflow(tmp_path)])
    plan = await apply_catalog(catalog, NOW)
    assert any("задачи r-1: 3 (A.1 × 3)" in line for line in plan.lines)
    assert await states() == {"ivanov": "open", "petrova": "open", "sidorov": "open"}
    resolution = await Resolution.get(id="r-1")
    assert resolution.definition["clauses"][0]["owners"] == ["ivanov", "petrova", "sidorov"]

    again = await apply_catalog(catalog, NOW)
    assert again.empty, again.lines
    assert await Task.all().count() == 3


async def test_dry_run_reports_and_writes_nothing(db: str, tmp_path: Path) -> None:
    plan = await apply_catalog(load_catalog([write_workflow(tmp_path)]), NOW, dry_run=True)
    assert plan.lines
    assert plan.creates
    assert await Task.all().count() == 0
    assert await Resolution.all().count() == 0


async def test_edit_moves_deadline_of_open_tasks_and_keeps_confirmations(
    db: str, tmp_path: Path
) -> None:
    await apply_catalog(load_catalog([write_workflow(tmp_path)]), NOW)
    await Task.filter(owner_id="ivanov").update(state=TaskState.REPORTED)
    await Task.filter(owner_id="petrova").update(state=TaskState.DONE)

    edited = load_catalog([write_workflow(tmp_path, deadline="2023-10-27")])
    dry = await apply_catalog(edited, NOW, dry_run=True)
    assert "~ задача r-1 A.1 / sidorov: срок 20.10.2023 → 27.10.2023" in dry.lines
    assert (await Task.get(owner_id="sidorov")).deadline.isoformat() == "2023-10-20"

    plan = await apply_catalog(edited, NOW)
    assert not any("petrova" in line for line in plan.lines)  # done: history is not rewritten
    tasks = {t.owner_id: t for t in await Task.all()}
    assert tasks["sidorov"].deadline.isoformat() == "2023-10-27"
    assert tasks["ivanov"].deadline.isoformat() == "2023-10-27"  # reported: still in flight
    assert tasks["ivanov"].state == TaskState.REPORTED
    assert tasks["petrova"].state == TaskState.DONE
    assert tasks["petrova"].deadline.isoformat() == "2023-10-20"
    assert await AuditEvent.filter(event="task.updated").count() == 2


async def test_removed_owner_is_cancelled_not_deleted_and_restored_when_back(
    db: str, tmp_path: Path
) -> None:
    await apply_catalog(load_catalog([write_workflow(tmp_path)]), NOW)
    await Task.filter(owner_id="ivanov").update(state=TaskState.REPORTED)

    plan = await apply_catalog(load_catalog([write_workflow(tmp_path, owners="ivanov")]), NOW)
    assert sorted(line for line in plan.lines if line.startswith("-")) == [
        "- задача r-1 A.1 / petrova: отменена (исполнителя или пункта больше нет)",
        "- задача r-1 A.1 / sidorov: отменена (исполнителя или пункта больше нет)",
    ]
    assert await states() == {"ivanov": "reported", "petrova": "cancelled", "sidorov": "cancelled"}

    back = await apply_catalog(load_catalog([write_workflow(tmp_path)]), NOW)
    assert sum("восстановлена" in line for line in back.lines) == 2
    assert await states() == {"ivanov": "reported", "petrova": "open", "sidorov": "open"}


async def test_an_overdue_task_keeps_its_escalation_chain_when_the_file_changes(
    db: str, tmp_path: Path
) -> None:
    folder = write_workflow(tmp_path)
    await apply_catalog(load_catalog([folder]), NOW)
    await Task.filter(owner_id="petrova").update(state=TaskState.REPORTED)
    text = (folder / "r-1.yaml").read_text(encoding="utf-8")
    (folder / "r-1.yaml").write_text(
        text.replace(
            "  acceptance: controller\n",
            "  acceptance: controller\n  escalate:\n    - {after: 3d, to: ivanov}\n",
        ),
        encoding="utf-8",
    )
    later = at("2023-10-25T10:00+03:00")  # the tasks are overdue since 21 October
    plan = await apply_catalog(load_catalog([folder]), later)
    assert sorted(line for line in plan.lines if line.startswith("=")) == [
        "= задача r-1 A.1 / ivanov: уже просрочена, эскалация идёт по прежней цепочке",
        "= задача r-1 A.1 / sidorov: уже просрочена, эскалация идёт по прежней цепочке",
    ]
    tasks = {t.owner_id: t for t in await Task.all()}
    assert tasks["ivanov"].policy["escalate"] == [{"after": 1, "to": "controller", "every": None}]
    # petrova reported before the deadline passed, so she is not being escalated: new chain.
    assert tasks["petrova"].policy["escalate"] == [{"after": 3, "to": "ivanov", "every": None}]


async def test_a_chat_linked_by_invite_stays_and_the_roster_can_give_it_to_someone_else(
    db: str, tmp_path: Path
) -> None:
    from storage.models import Person

    folder = write_workflow(tmp_path)
    await apply_catalog(load_catalog([folder]), NOW)
    await Person.filter(id="sidorov").update(telegram_chat_id=555)  # as /start <token> does
    again = await apply_catalog(load_catalog([folder]), NOW)
    assert again.empty, again.lines  # the roster has no chat id for him: the link stays
    assert (await Person.get(id="sidorov")).telegram_chat_id == 555

    roster = (folder / "roster.yaml").read_text(encoding="utf-8")
    (folder / "roster.yaml").write_text(roster.replace("telegram: 222", "telegram: 555"), "utf-8")
    plan = await apply_catalog(load_catalog([folder]), NOW)
    assert "~ человек sidorov: чат Telegram 555 теперь у petrova" in plan.lines
    assert (await Person.get(id="petrova")).telegram_chat_id == 555
    assert (await Person.get(id="sidorov")).telegram_chat_id is None


async def test_a_roster_max_id_links_the_person_and_an_invited_link_is_kept_or_moved(
    db: str, tmp_path: Path
) -> None:
    from storage.models import Link

    folder = write_workflow(tmp_path)
    roster = (folder / "roster.yaml").read_text(encoding="utf-8")
    (folder / "roster.yaml").write_text(roster.replace("telegram: 111", "max: 7111"), "utf-8")
    plan = await apply_catalog(load_catalog([folder]), NOW)
    assert "~ человек ivanov: MAX 7111" in plan.lines
    [link] = await Link.all()
    assert (link.channel, link.person_id, link.user_id, link.chat_id) == (
        "max", "ivanov", 7111, None
    )  # fmt: skip
    # sidorov opens an invitation in MAX: the roster, silent about him, leaves his link alone.
    await Link.create(channel="max", user_id=7555, chat_id=-555, person_id="sidorov", linked_at=NOW)
    again = await apply_catalog(load_catalog([folder]), NOW)
    assert again.empty, again.lines
    assert await Link.filter(person_id="sidorov", user_id=7555, chat_id=-555).exists()
    # The roster gives sidorov's account to petrova: it moves, and apply says so.
    text = (folder / "roster.yaml").read_text(encoding="utf-8")
    (folder / "roster.yaml").write_text(text.replace("telegram: 222", "max: 7555"), "utf-8")
    plan = await apply_catalog(load_catalog([folder]), NOW)
    assert "~ человек sidorov: MAX 7555 теперь у petrova" in plan.lines
    assert await Link.filter(person_id="sidorov").count() == 0
    assert await Link.filter(person_id="petrova", user_id=7555).exists()
