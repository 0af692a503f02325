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
