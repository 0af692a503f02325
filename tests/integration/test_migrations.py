"""The committed migrations describe exactly the models: nobody forgot `makemigrations`."""

from __future__ import annotations

import contextlib
from pathlib import Path

from tortoise.cli.cli import tortoise_cli_context
from tortoise.migrations.autodetector import MigrationAutodetector

from storage.db import tortoise_config


async def test_models_need_no_new_migration() -> None:
    config = tortoise_config("sqlite://:memory:")
    async with tortoise_cli_context(config) as ctx:
        assert ctx.apps is not None
        writers = await MigrationAutodetector(ctx.apps, config["apps"]).changes()
    assert [w.name for w in writers] == [], (
        "storage/models.py changed without a migration: "
        "run `tortoise -c storage.db.TORTOISE_ORM makemigrations`"
    )


async def test_migrations_build_the_schema_on_both_databases(db: str) -> None:
    from storage.models import Task

    assert await Task.all().count() == 0


async def test_a_database_made_by_the_first_migration_upgrades_with_its_data(
    empty_db_url: str,
) -> None:
    """Every migration must apply to a database in use, not only to an empty one."""
    from tortoise import Tortoise, connections
    from tortoise.migrations.api import migrate

    from storage.db import database
    from storage.models import Person, Resolution

    db_url = empty_db_url
    config = tortoise_config(db_url)
    await migrate(config=config, target="resolute.0001_initial")
    conn = connections.get("default")
    await conn.execute_query(
        "INSERT INTO person (id, name, created_at, updated_at) "
        "VALUES ('ivanov', 'Иванов И.И.', '2023-10-01 00:00:00+00:00', '2023-10-01 00:00:00+00:00')"
    )
    await conn.execute_query(
        "INSERT INTO resolution (id, title, number, adopted, timezone, controller_id, definition,"
        " digest, applied_at, materialized_through) VALUES ('r', 'T', '1', '2023-10-05',"
        " 'Europe/Moscow', 'ivanov', '{\"clauses\": []}', 'x', '2023-10-05 00:00:00+00:00',"
        " '2023-10-05')"
    )
    await Tortoise.close_connections()
    async with database(db_url):  # migrates to the latest
        assert (await Person.get(id="ivanov")).telegram_blocked_at is None
        assert (await Resolution.get(id="r")).digest_times is None


def _sqlite_indexes(path: str) -> set[tuple[str, str]]:
    """(table, indexed columns) of every index, whatever its name."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(path)) as conn:
        rows = conn.execute(
            "SELECT tbl_name, name FROM sqlite_master WHERE type = 'index'"
        ).fetchall()
        return {
            (table, ",".join(r[2] for r in conn.execute(f"PRAGMA index_info('{name}')")))
            for table, name in rows
        }


async def test_migrated_sqlite_has_every_index_the_models_declare(tmp_path: Path) -> None:
    """tortoise's SQLite schema editor rebuilds a table to alter it and drops its indexes
    (0004 and 0005 put them back): a migrated database must index what a fresh one does."""
    from tortoise import Tortoise

    from storage.db import database

    migrated, fresh = tmp_path / "migrated.sqlite3", tmp_path / "fresh.sqlite3"
    async with database(f"sqlite://{migrated}"):
        pass
    await Tortoise.init(config=tortoise_config(f"sqlite://{fresh}"))
    await Tortoise.generate_schemas()
    await Tortoise.close_connections()
    wanted = {i for i in _sqlite_indexes(str(fresh)) if not i[0].startswith("tortoise")}
    missing = wanted - _sqlite_indexes(str(migrated))
    assert not missing, f"indexes lost by the migrations: {sorted(missing)}"


async def test_dialogues_of_telegram_keep_their_chat_and_a_chat_is_unique_per_channel(
    db_url: str,
) -> None:
    """0011: a dialogue waiting before the upgrade is Telegram's; the same chat id may then
    wait on another messenger, but not twice on one."""
    import pytest
    from tortoise import Tortoise, connections
    from tortoise.exceptions import IntegrityError
    from tortoise.migrations.api import migrate

    from storage.db import database
    from storage.models import Dialogue

    config = tortoise_config(db_url)
    await migrate(config=config, target="resolute.0010_links")
    conn = connections.get("default")
    await conn.execute_query(
        "INSERT INTO person (id, name, created_at, updated_at) "
        "VALUES ('ivanov', 'Иванов И.И.', '2023-10-01 00:00:00+00:00', '2023-10-01 00:00:00+00:00')"
    )
    await conn.execute_query(
        "INSERT INTO dialogue (chat_id, person_id, step, data, expires_at) "
        "VALUES (111, 'ivanov', 'report', '{}', '2023-10-13 07:00:00+00:00')"
    )
    await Tortoise.close_connections()
    async with database(db_url):
        old = await Dialogue.get(chat_id=111)
        assert old.channel == "telegram"
        await Dialogue.create(
            channel="max", chat_id=111, person_id="ivanov", step="report", expires_at=old.expires_at
        )
        with pytest.raises(IntegrityError):
            await Dialogue.create(
                channel="telegram", chat_id=111, person_id="ivanov", step="report",
                expires_at=old.expires_at,
            )  # fmt: skip


async def test_a_heartbeat_row_upgrades_and_a_long_max_reference_is_kept(db_url: str) -> None:
    """0012: an instance's heartbeat written before the upgrade does not poll MAX; a MAX
    message reference longer than 64 characters fits the evidence afterwards."""
    from tortoise import Tortoise, connections
    from tortoise.migrations.api import migrate

    from storage.db import database
    from storage.models import Heartbeat

    config = tortoise_config(db_url)
    await migrate(config=config, target="resolute.0011_dialogue_channel")
    await connections.get("default").execute_query(
        "INSERT INTO heartbeat (instance, started_at, pass_duration_ms, passes, polls_telegram,"
        " reads_mail) VALUES ('host:1', '2023-10-01 00:00:00+00:00', 0, 0, TRUE, FALSE)"
    )
    await Tortoise.close_connections()
    async with database(db_url):
        beat = await Heartbeat.get(instance="host:1")
        assert (beat.polls_telegram, beat.polls_max) == (True, False)
        if db_url.startswith("postgres"):  # SQLite does not enforce a VARCHAR's length
            _, [row] = await connections.get("default").execute_query(
                "SELECT character_maximum_length FROM information_schema.columns"
                " WHERE table_name = 'evidence' AND column_name = 'message_ref'"
            )
            assert row["character_maximum_length"] == 255
