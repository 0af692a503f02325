"""Test doubles that speak the real wire protocols of outside systems (see each module)."""
