"""The committed migrations describe exactly the models: nobody forgot `makemigrations`."""

from __future__ import annotations

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
    db_url: str,
) -> None:
    """Every migration must apply to a database in use, not only to an empty one."""
    from tortoise import Tortoise, connections
    from tortoise.migrations.api import migrate

    from storage.db import database
    from storage.models import Person, Resolution

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
