"""Benchmarks: ``python -m bench`` runs every one (``--smoke`` for tiny sizes, ``--only NAME``).

Each benchmark runs in a process of its own (so its CPU time and peak RSS are its own), prints its
figures and the machine it ran on, and hands a JSON result to the runner, which writes
``bench/results/latest.md`` and ``latest.json``. Benchmarks are not timed tests: nothing here fails
because a figure misses its target; the report says which ones do.
"""
