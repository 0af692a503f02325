"""Persistence: Tortoise ORM models, connection lifecycle and built-in migrations.

The database is the source of truth; everything the scheduler does is re-derivable from it.
"""
