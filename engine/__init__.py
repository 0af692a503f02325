"""resolute: a governing body's resolution, carried out.

The package is laid out by concern: ``workflow`` reads and checks the YAML files, ``timing`` holds
the pure rules that decide what is due when, ``channels`` talks to Telegram, ``service`` applies
definitions and runs ticks against ``storage``, and ``cli`` is the command line on top.
"""

__version__ = "0.1.0"
