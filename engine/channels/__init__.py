"""Adapters to the outside: each channel behind one small interface, the real client by default."""
