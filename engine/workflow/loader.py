"""Read workflow YAML files, keeping the line and column of every node for error messages.

PyYAML composes a node tree (which knows its marks) and constructs plain data from it; pydantic
then validates the data. A validation error's ``loc`` is a path into that data, and the node tree
turns the path back into ``file:line:col``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from engine.errors import Problem
from engine.workflow.schema import Document
from engine.workflow.yaml_limits import MAX_FILE_BYTES, LimitedLoader, LimitExceeded

PathKey = tuple[str | int, ...]
_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Located:
    """A validated document together with the means to point back into its file."""

    path: str
    document: Document
    marks: dict[PathKey, tuple[int, int]] = field(repr=False)

    def problem(self, where: PathKey, message: str) -> Problem:
        """A problem at the closest node to ``where`` that exists in the file."""
        for cut in range(len(where), -1, -1):
            if (mark := self.marks.get(where[:cut])) is not None:
                return Problem(self.path, mark[0], mark[1], message)
        return Problem(self.path, 1, 1, message)


def expand_paths(paths: Iterable[str | Path]) -> tuple[list[Path], list[Problem]]:
    """Files as given, and every ``*.yaml``/``*.yml`` below the directories given."""
    files: list[Path] = []
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.suffix.lower() in _SUFFIXES and p.is_file()
            )
            if not found:
                problems.append(Problem(str(path), 1, 1, "в папке нет файлов *.yaml"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(str(path), 1, 1, "файл или папка не найдены"))
    return files, problems


def load_documents(paths: Iterable[str | Path]) -> tuple[list[Located], list[Problem]]:
    """Every document of every file, validated against the schema; all problems at once."""
    files, problems = expand_paths(paths)
    located: list[Located] = []
    for file in files:
        try:
            size = file.stat().st_size
            if size > MAX_FILE_BYTES:
                problems.append(Problem(str(file), 1, 1, _too_big(size)))
                continue
            with file.open("rb") as stream:  # the size may change after stat
                raw = stream.read(MAX_FILE_BYTES + 1)
            if len(raw) > MAX_FILE_BYTES:
                problems.append(Problem(str(file), 1, 1, _too_big(len(raw))))
                continue
            text = raw.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(str(file), 1, 1, f"не удалось прочитать файл: {exc}"))
            continue
        for item in _parse(str(file), text):
            if isinstance(item, Located):
                located.append(item)
            else:
                problems.append(item)
    return located, problems


def _too_big(size: int) -> str:
    return (
        f"файл слишком большой: {size} байт, допустимо не больше {MAX_FILE_BYTES} "
        "(разделите его на несколько файлов)"
    )


def _parse(path: str, text: str) -> Iterator[Located | Problem]:
    loader: LimitedLoader | None = None
    try:
        loader = LimitedLoader(text)
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            data = loader.construct_document(node)
            marks: dict[PathKey, tuple[int, int]] = {}
            duplicates = _collect_marks(node, (), marks)
            if duplicates:
                yield from (Problem(path, *mark, msg) for mark, msg in duplicates)
                continue
            yield from _validate(path, data, marks)
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        yield Problem(
            path, line, column, f"некорректный YAML: недопустимый символ U+{exc.character:04X}"
        )
    except LimitExceeded as exc:
        mark = exc.problem_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        yield Problem(path, line, column, f"файл отклонён: {exc.message}")
    except yaml.MarkedYAMLError as exc:
        yield _syntax_problem(path, text, exc)
    except yaml.YAMLError as exc:
        yield Problem(path, 1, 1, f"некорректный YAML: {exc}")
    finally:
        if loader is not None:
            loader.dispose()


def _syntax_problem(path: str, text: str, exc: yaml.MarkedYAMLError) -> Problem:
    """Where the parser stopped, or, when it ran off the end of the file (an unclosed quote or
    bracket), where the unfinished construct opened."""
    mark = exc.problem_mark or exc.context_mark
    past_end = mark is not None and mark.index >= len(text.rstrip())
    if past_end and exc.context_mark is not None:
        mark = exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    what = exc.problem or exc.context or "ошибка"
    if exc.context and exc.context_mark is not None and exc.context_mark is not mark:
        opened = f"строка {exc.context_mark.line + 1}, столбец {exc.context_mark.column + 1}"
        what = f"{what} ({exc.context}: {opened})"
    elif past_end:
        what = f"{exc.context}: {what} — файл закончился, а конструкция не закрыта"
    return Problem(path, line, column, f"некорректный YAML: {what}")


def _validate(
    path: str, data: Any, marks: dict[PathKey, tuple[int, int]]
) -> Iterator[Located | Problem]:
    if data is None:
        return
    if not isinstance(data, dict):
        line, col = marks[()]
        yield Problem(path, line, col, "ожидается словарь с ключами people, groups, resolution…")
        return
    try:
        document = Document.model_validate(data)
    except ValidationError as exc:
        here = Located(path, Document(), marks)
        for error in exc.errors():
            yield here.problem(_error_path(error), describe(error))
        return
    yield Located(path, document, marks)


def _collect_marks(
    node: yaml.Node, where: PathKey, marks: dict[PathKey, tuple[int, int]]
) -> list[tuple[tuple[int, int], str]]:
    """Record the position of every node under ``where``; return any duplicate keys found."""
    marks[where] = _position(node)
    duplicates: list[tuple[tuple[int, int], str]] = []
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            key_path = (*where, key, "<key>")  # a key pydantic rejects is reported at the key
            if key_path in marks:
                first = marks[key_path][0]
                duplicates.append(
                    (_position(key_node), f"ключ «{key}» повторяется (см. строку {first})")
                )
                continue
            marks[key_path] = _position(key_node)
            duplicates += _collect_marks(value_node, (*where, key), marks)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            duplicates += _collect_marks(item, (*where, index), marks)
    return duplicates


def _position(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _error_path(error: ErrorDetails) -> PathKey:
    loc: PathKey = tuple(
        part
        for part in error["loc"]
        if not (isinstance(part, str) and part.startswith("function-"))
    )
    # Union members add their type name to loc ("date", "int", "str"…); drop those.
    if error["type"] == "extra_forbidden":
        return (*loc, "<key>")
    if error["type"] == "invalid_key":  # a non-text key; marks hold keys as text
        key_loc = loc[:-1] if loc and loc[-1] == "[key]" else loc
        return (*key_loc[:-1], str(key_loc[-1]), "<key>")
    return loc


_MESSAGES: dict[str, str] = {
    "missing": "не хватает обязательного ключа «{field}»",
    "extra_forbidden": "неизвестный ключ «{field}»",
    "string_type": "ожидается строка",
    "int_type": "ожидается целое число",
    "int_parsing": "ожидается целое число",
    "bool_type": "ожидается true или false",
    "bool_parsing": "ожидается true или false",
    "list_type": "ожидается список",
    "dict_type": "ожидается словарь",
    "model_type": "ожидается словарь",
    "date_type": "ожидается дата вида 2023-10-20",
    "date_parsing": "ожидается дата вида 2023-10-20",
    "date_from_datetime_parsing": "ожидается дата вида 2023-10-20",
    "date_from_datetime_inexact": "ожидается дата без времени, вида 2023-10-20",
    "int_from_float": "ожидается целое число",
    "invalid_key": "ключ должен быть строкой",
    "float_type": "ожидается число",
    "float_parsing": "ожидается число",
    "too_short": "слишком короткий список",
    "too_long": "слишком длинный список",
    "string_pattern_mismatch": "недопустимое значение {value}{hint}",
    "string_too_short": "пустая строка",
    "string_too_long": "слишком длинная строка",
    "literal_error": "недопустимое значение {value}; допустимые: {allowed}",
    "greater_than_equal": "значение должно быть не меньше {ge}",
    "greater_than": "значение должно быть больше {gt}",
    "less_than_equal": "значение должно быть не больше {le}",
}


def describe(error: ErrorDetails) -> str:
    """A Russian message for a pydantic error (users read these; pydantic speaks English)."""
    kind = error["type"]
    ctx = dict(error.get("ctx") or {})
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    template = _MESSAGES.get(kind)
    if template is None:
        return f"недопустимое значение ({error['msg']})"
    field_name = next((str(p) for p in reversed(error["loc"]) if isinstance(p, str)), "")
    value = error.get("input")
    shown = repr(value)
    if len(shown) > 80:  # a value can be a whole file's worth of text
        shown = shown[:77] + "…"
    allowed = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
    hint = _PATTERN_HINTS.get(str(ctx.get("pattern", "")), "")
    return template.format(field=field_name, value=shown, allowed=allowed, hint=hint, **ctx)


_PATTERN_HINTS = {
    "^[a-z][a-z0-9_-]*$": ": идентификатор — строчные латинские буквы, цифры, «-» и «_», "
    "с буквы в начале, например ivanov",
    "^[A-Za-z0-9][A-Za-z0-9._-]*$": ": номер пункта — латиница, цифры и точки, например II.4",
    "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$": ": ожидается адрес электронной почты",
}
