"""Three ``resolute run`` processes on one PostgreSQL database and one (fake) Telegram bot.

What this proves, in order:
1. All three alive, one wave of reminders (more than one claim's worth): every reminder arrives
   exactly once, and every outbox row ends ``sent``. Strict: no duplicate at all.
2. A second wave; the instance that claims first is killed with SIGKILL while its claim is in
   flight. Its rows stay claimed until their lease expires; the lease is five minutes of the
   real clock, so the test moves ``lease_until`` into the past instead of waiting (the one
   liberty taken here). The survivors then reclaim and send them. A duplicate is allowed only
   for a row that was in flight in the killed process (sent by it, not yet recorded: the README,
   "Behaviour"); every other message arrives exactly once, and none is lost.
3. Exactly one instance holds the Telegram poller's advisory lock (one holder in ``pg_locks``).
   The holder is killed; a button pressed afterwards is answered by the last instance standing,
   which took the lock over.
4. SIGTERM stops the last instance cleanly and its lock is released.

Below it, in one process: a poller whose lock connection breaks stops polling and tries again.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from engine.service.leader import TELEGRAM_POLLER, AdvisoryLock, while_leader
from tests.fakes.bot_api import FakeBotAPI, SentMessage
from tests.helpers import SECRET, button_data

RESOLUTE = str(Path(sys.executable).with_name("resolute"))
OWNERS = 40
CHATS = [1000 + n for n in range(1, OWNERS + 1)]
WAVE_1 = 6  # clauses: 240 reminders, more than one claim (200) holds
WAVE_2 = 5  # 200 reminders: one claim, several seconds of sending at 1 message/s per chat
RETRY_S = 0.3  # RESOLUTE_LEADER_RETRY_S
T = TypeVar("T")


@pytest.mark.postgres
def test_three_instances_send_everything_once_survive_a_kill_and_hand_over_polling(
    pg_url: str, tmp_path: Path
) -> None:
    started = time.monotonic()
    folder = tmp_path / "workflow"
    folder.mkdir()
    today = datetime.now(UTC).astimezone(ZoneInfo("Europe/Moscow")).date()
    (folder / "roster.yaml").write_text(_roster(), encoding="utf-8")
    (folder / "r-1.yaml").write_text(_resolution("r-1", WAVE_1, today), encoding="utf-8")
    with FakeBotAPI().serving_in_thread() as api, _database(pg_url) as db:
        for chat in [*CHATS, 999]:
            api.add_chat(chat)
        env = {
            **os.environ,
            "RESOLUTE_DB_URL": pg_url,
            "RESOLUTE_TELEGRAM_TOKEN": api.token,
            "RESOLUTE_TELEGRAM_API_URL": api.url,
            "RESOLUTE_SECRET": SECRET,
            "RESOLUTE_RUN_INTERVAL_S": "0.3",
            "RESOLUTE_LEADER_RETRY_S": str(RETRY_S),
        }
        _apply(folder, env)
        instances = [_Instance.start(name, tmp_path, env) for name in "ABC"]
        try:
            # 1. Three instances, one wave: everything once.
            wave_1 = _expected("r-1", WAVE_1)
            api.wait_for(lambda: _arrived(api.sent) >= wave_1, timeout_s=30)
            _eventually(lambda: db.value("SELECT count(*) FROM outbox WHERE status <> 'sent'") == 0)
            assert _counts(api.sent) == dict.fromkeys(wave_1, 1)
            assert db.value("SELECT count(*) FROM outbox") == len(wave_1)
            senders = [i.log().count("message.sent") for i in instances]
            assert sum(senders) == len(wave_1), senders  # each send was made (and logged) once

            # 3a. Exactly one poller, the holder of the advisory lock.
            holder = _lock_holder(db, instances)
            assert [i for i in instances if "telegram_leader acquired" in i.log()] == [holder]

            # 2. A second wave; the first instance to claim it dies with its claim in flight.
            marks = {i.name: len(i.log()) for i in instances}
            (folder / "r-2.yaml").write_text(_resolution("r-2", WAVE_2, today), encoding="utf-8")
            _apply(folder, env)
            victim = _eventually(
                lambda: next(
                    (i for i in instances if "outbox.claimed" in i.log(marks[i.name])), None
                )
            )
            victim.kill()
            survivors = [i for i in instances if i is not victim]
            tokens = re.findall(r"outbox\.claimed token=(\w+)", victim.log())
            # The survivors finish everything else; what is left is the dead instance's claim.
            _eventually(
                lambda: (
                    db.value(
                        "SELECT count(*) FROM outbox WHERE status = 'pending'"
                        " OR (status = 'sending' AND NOT claimed_by = ANY($1::text[]))",
                        tokens,
                    )
                    == 0
                ),
                timeout_s=20,
            )
            in_flight = db.rows(
                "SELECT p.telegram_chat_id AS chat, t.clause_text AS text FROM outbox o"
                " JOIN task t ON t.id = o.task_id JOIN person p ON p.id = o.person_id"
                " WHERE o.status = 'sending'"
            )
            assert in_flight, "the kill came after the victim's claim was done: nothing proven"
            # Five minutes later (the lease): moved in the database rather than waited for.
            db.value(
                "UPDATE outbox SET lease_until = now() - interval '1 second'"
                " WHERE status = 'sending' RETURNING 1"
            )
            wave_2 = _expected("r-2", WAVE_2)
            api.wait_for(lambda: _arrived(api.sent) >= wave_1 | wave_2, timeout_s=30)
            _eventually(lambda: db.value("SELECT count(*) FROM outbox WHERE status <> 'sent'") == 0)
            counts = _counts(api.sent)
            assert set(counts) == wave_1 | wave_2  # nothing lost, nothing unexpected
            doubled = {message for message, n in counts.items() if n > 1}
            # At most one duplicate per message, and only of a message the victim had in flight.
            assert doubled <= {(r["chat"], r["text"]) for r in in_flight}, doubled
            assert max(counts.values()) <= 2

            # 3b. Kill whoever polls now; the last instance takes over and answers a press.
            holder = _lock_holder(db, survivors)
            holder.kill()
            last = next(i for i in survivors if i is not holder)
            message = next(m for m in api.messages_to(CHATS[0]) if "r-2 пункт 1" in m.plain_text)
            api.press_button(CHATS[0], message.message_id, button_data(message))
            api.wait_for(lambda: len(api.callback_answers) == 1, timeout_s=10 + RETRY_S)
            answer = api.callback_answers[0].text
            assert answer == "Спасибо! Отметка о выполнении передана контролёру."
            assert "telegram_leader acquired" in last.log()
            assert _lock_holder(db, [last]) is last
        finally:
            for instance in instances:
                instance.stop()
        # 4. The last one stopped on SIGTERM, cleanly, and let go of the lock.
        assert last.returncode == 0, last.log()
        assert "Служба остановлена." in last.out()
        assert "run.telegram_leader released" in last.log()
        assert _holder_pids(db) == []
        for instance in instances:
            assert "Traceback" not in instance.log(), instance.log()
    # Under the ~40 s budget; the waits above have their own timeouts.
    assert time.monotonic() - started < 60


@pytest.mark.postgres
async def test_a_poller_whose_lock_connection_breaks_stops_and_takes_the_lock_again(
    pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    lock = AdvisoryLock.for_url(pg_url, TELEGRAM_POLLER)
    other = AdvisoryLock.for_url(pg_url, TELEGRAM_POLLER)
    assert lock is not None
    assert other is not None
    polls: asyncio.Queue[asyncio.Event] = asyncio.Queue()  # each set when that poll ends

    async def poll() -> None:
        polls.put_nowait(stopped := asyncio.Event())
        try:
            await asyncio.Event().wait()  # long-polls until cancelled
        finally:
            stopped.set()

    caplog.set_level("INFO", logger="resolute.run")
    leader = asyncio.create_task(while_leader(lock, poll, retry_s=0.1))
    admin = await asyncpg.connect(pg_url)
    try:
        async with asyncio.timeout(10):
            first = await polls.get()
            assert not await other.try_acquire()  # held: a second instance does not poll
            # The lock's connection dies (a PostgreSQL restart, a network cut): the lock is gone
            # with it, so polling must stop.
            await admin.execute("SELECT pg_terminate_backend($1)", lock.backend_pid)
            await first.wait()
            second = await polls.get()  # nobody else took it meanwhile: this one polls again
        assert not second.is_set()
        assert "run.telegram_leader lost" in caplog.text
        assert caplog.text.count("run.telegram_leader acquired") == 2
    finally:
        leader.cancel()
        await asyncio.wait({leader})
        await admin.close()
    assert second.is_set()  # cancelling the service stops the poll and frees the lock
    assert lock.backend_pid is None
    assert await other.try_acquire()
    await other.release()


async def test_on_sqlite_there_is_no_lock_and_the_one_instance_polls(tmp_path: Path) -> None:
    polled: list[bool] = []

    async def poll() -> None:
        polled.append(True)

    lock = AdvisoryLock.for_url(f"sqlite://{tmp_path / 'r.sqlite3'}", TELEGRAM_POLLER)
    assert lock is None
    await while_leader(lock, poll, retry_s=0.1)
    assert polled == [True]


# --- the workflow ---------------------------------------------------------------------------------


def _roster() -> str:
    people = "".join(
        f"  - {{id: p{n:02d}, name: Исполнитель {n}, telegram: {chat}}}\n"
        for n, chat in enumerate(CHATS, start=1)
    )
    members = ", ".join(f"p{n:02d}" for n in range(1, OWNERS + 1))
    return (
        "people:\n"
        f"{people}"
        "  - {id: boss, name: Контролёр, telegram: 999}\n"
        f"groups:\n  - {{id: team, members: [{members}]}}\n"
    )


def _resolution(rid: str, clauses: int, today: date) -> str:
    """One clause per number, owned by all 40, each reminded once: the -7d reminder is due as
    soon as it is applied (remind_at 00:00, no quiet hours)."""
    deadline = today + timedelta(days=7)
    lines = "".join(
        f"  - {{id: '{k}', text: {rid} пункт {k}, owners: [team], deadline: {deadline}}}\n"
        for k in range(1, clauses + 1)
    )
    return (
        f"resolution: {{id: {rid}, title: Т, number: '{rid}', adopted: {today - timedelta(30)},"
        " controller: boss}\n"
        "policy: {remind: [-7d], remind_at: '00:00', quiet_hours: none}\n"
        f"clauses:\n{lines}"
    )


def _expected(rid: str, clauses: int) -> set[tuple[int, str]]:
    return {(chat, f"{rid} пункт {k}") for chat in CHATS for k in range(1, clauses + 1)}


def _clause_of(message: SentMessage) -> tuple[int, str]:
    found = re.search(r"r-\d пункт \d+", message.plain_text)
    return (message.chat_id, found.group(0) if found else message.plain_text)


def _arrived(sent: list[SentMessage]) -> set[tuple[int, str]]:
    return {_clause_of(m) for m in sent}


def _counts(sent: list[SentMessage]) -> dict[tuple[int, str], int]:
    return dict(Counter(_clause_of(m) for m in sent))


def _apply(folder: Path, env: dict[str, str]) -> None:
    result = subprocess.run(
        [RESOLUTE, "apply", str(folder)], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- the processes -------------------------------------------------------------------------------


@dataclass
class _Instance:
    name: str
    process: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path

    @classmethod
    def start(cls, name: str, folder: Path, env: dict[str, str]) -> _Instance:
        stdout, stderr = folder / f"{name}.out", folder / f"{name}.log"
        with stdout.open("wb") as out, stderr.open("wb") as err:
            process = subprocess.Popen(
                [RESOLUTE, "run"], env=env, cwd=folder, stdout=out, stderr=err
            )
        return cls(name, process, stdout, stderr)

    def log(self, since: int = 0) -> str:
        return self.stderr.read_text(encoding="utf-8", errors="replace")[since:]

    def out(self) -> str:
        return self.stdout.read_text(encoding="utf-8", errors="replace")

    @property
    def returncode(self) -> int | None:
        return self.process.returncode

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _lock_holder(db: _Database, instances: list[_Instance]) -> _Instance:
    """The one instance holding the poller's lock, by the backend pid it logged."""

    def holder() -> _Instance | None:
        pids = _holder_pids(db)
        if len(pids) != 1:
            return None
        found = [i for i in instances if f"acquired backend_pid={pids[0]}\n" in i.log()]
        return found[0] if len(found) == 1 else None

    found = _eventually(holder, timeout_s=10)
    assert len(_holder_pids(db)) == 1  # exactly one, not merely one among ours
    return found


def _holder_pids(db: _Database) -> list[int]:
    return [
        r["pid"]
        for r in db.rows(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
            " AND ((classid::bigint << 32) | objid::bigint) = $1 AND database ="
            " (SELECT oid FROM pg_database WHERE datname = current_database())",
            TELEGRAM_POLLER,
        )
    ]


# --- waiting and the database --------------------------------------------------------------------


def _eventually(check: Callable[[], T], timeout_s: float = 10.0) -> T:
    """Poll ``check`` until it returns something truthy (for state outside the fake Bot API,
    which has ``wait_for`` for its own)."""
    deadline = time.monotonic() + timeout_s
    while not (result := check()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"not within {timeout_s} s")
        time.sleep(0.05)
    return result


class _Database:
    """A connection for the test's own look at the shared database."""

    def __init__(self, runner: asyncio.Runner, conn: Any) -> None:
        self._runner = runner
        self._conn = conn

    def value(self, sql: str, *args: object) -> Any:
        return self._runner.run(self._conn.fetchval(sql, *args))

    def rows(self, sql: str, *args: object) -> list[Any]:
        return list(self._runner.run(self._conn.fetch(sql, *args)))


@contextmanager
def _database(url: str) -> Iterator[_Database]:
    with asyncio.Runner() as runner:
        conn = runner.run(asyncpg.connect(url))
        try:
            yield _Database(runner, conn)
        finally:
            runner.run(conn.close())
