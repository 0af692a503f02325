"""The command line's frame in Russian: usage, help, panels and error messages.

Typer (0.29, with its own copy of Click) writes its frame in English, mostly from f-strings that
no gettext catalogue reaches. So, once at start-up, the few places that make the frame are told
otherwise: the help panels' titles (module constants of ``typer.rich_utils``), the usage line's
prefix, the text of ``--help``, and each error's message, translated by the table below before
it is printed. A message the table does not know is printed as it is: never a traceback.
"""

from __future__ import annotations

import re
from typing import Any

PANELS = {
    "ARGUMENTS_PANEL_TITLE": "Аргументы",
    "OPTIONS_PANEL_TITLE": "Параметры",
    "COMMANDS_PANEL_TITLE": "Команды",
    "ERRORS_PANEL_TITLE": "Ошибка",
    "ABORTED_TEXT": "Прервано.",
    "RICH_HELP": "Справка: [blue]'{command_path} {help_option}'[/].",
    "DEFAULT_STRING": "[по умолчанию: {}]",
    "ENVVAR_STRING": "[переменная окружения: {}]",
    "REQUIRED_LONG_STRING": "[обязательно]",
    "DEPRECATED_STRING": "(устарело) ",
}
USAGE = "Использование: "
HELP = "Показать эту справку и выйти."
METAVARS = (("COMMAND [ARGS]...", "КОМАНДА [АРГУМЕНТЫ]..."), ("[OPTIONS]", "[ПАРАМЕТРЫ]"))

# (pattern, replacement): the first that matches the whole message wins; details recurse.
_DETAILS: tuple[tuple[str, str], ...] = (
    (r"Input should be greater than or equal to (.+)", r"должно быть не меньше \1"),
    (r"Input should be less than or equal to (.+)", r"должно быть не больше \1"),
    (r"Input should be greater than (.+)", r"должно быть больше \1"),
    (r"Input should be less than (.+)", r"должно быть меньше \1"),
    (r"Input should be a valid integer.*", "ожидается целое число"),
    (r"Input should be a valid number.*", "ожидается число"),
    (r"Input should be a valid boolean.*", "ожидается да/нет (true/false)"),
    (r"(.+) is not a valid integer(?: range)?\.?", r"\1 — не целое число"),
    (r"(.+) is not one of (.+)\.", r"\1 — не одно из: \2"),
    (r"Value (.+) is not a valid (.+)\.", r"\1 — недопустимое значение (\2)"),
    (r"(?:File|Path|Directory) (.+) does not exist\.", r"\1 не существует"),
)
_MESSAGES: tuple[tuple[str, str], ...] = (
    (r"Missing argument (.+)\.", r"Не указан аргумент \1."),
    (r"Missing option (.+)\.", r"Не указан параметр \1."),
    (r"Missing parameter: (.+)", r"Не указан параметр \1."),
    (r"No such option: (.+)", r"Нет такого параметра: \1."),
    (r"No such command (.+)\.", r"Нет такой команды: \1."),
    (r"Got unexpected extra arguments? \((.+)\)", r"Лишние аргументы: \1."),
    (r"Option (.+) requires an argument\.", r"Параметру \1 нужно значение."),
    (r"Option (.+) does not take a value\.", r"Параметр \1 не принимает значения."),
    (r"Missing command\.", "Не указана команда."),
)


def translate(message: str) -> str:
    """An error message of the frame in Russian (unknown ones unchanged)."""
    found = re.fullmatch(r"Invalid value for (.+?): (.*)", message, re.DOTALL)
    if found is not None:
        return f"Недопустимое значение {found[1]}: {_detail(found[2])}"
    found = re.fullmatch(r"Invalid value: (.*)", message, re.DOTALL)
    if found is not None:
        return f"Недопустимое значение: {_detail(found[1])}"
    head, _, tip = message.partition(" Did you mean ")
    for pattern, replacement in _MESSAGES:
        found = re.fullmatch(pattern, head, re.DOTALL)
        if found is not None:
            said = found.expand(replacement)
            return said + (f" Возможно, имелось в виду {tip.rstrip('?')}." if tip else "")
    return message


def _detail(text: str) -> str:
    for pattern, replacement in _DETAILS:
        found = re.fullmatch(pattern, text.strip(), re.DOTALL)
        if found is not None:
            return found.expand(replacement)
    return text


def install() -> None:
    """Put the Russian frame in place (idempotent); a Typer that changed its internals keeps
    its English frame rather than failing."""
    try:
        from typer import rich_utils
        from typer._click import core as click_core
        from typer._click import formatting
    except ImportError:  # pragma: no cover - another Typer layout
        return
    if getattr(rich_utils, "_resolute_ru", False):
        return
    for name, text in PANELS.items():
        if hasattr(rich_utils, name):
            setattr(rich_utils, name, text)

    original_usage = formatting.HelpFormatter.write_usage

    def write_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        for english, russian in METAVARS:
            args = args.replace(english, russian)
        original_usage(self, prog, args, USAGE if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = write_usage  # type: ignore[method-assign]
    command_class: Any = click_core.Command
    original_help = command_class.get_help_option

    def get_help_option(self: Any, ctx: Any) -> Any:
        option = original_help(self, ctx)
        if option is not None and getattr(option, "help", None) == "Show this message and exit.":
            option.help = HELP
        return option

    command_class.get_help_option = get_help_option
    original_error = rich_utils.rich_format_error

    def rich_format_error(error: Any) -> None:
        english = error.format_message
        error.format_message = lambda: translate(english())
        original_error(error)

    rich_utils.rich_format_error = rich_format_error  # type: ignore[assignment]
    rich_utils._resolute_ru = True  # type: ignore[attr-defined]
