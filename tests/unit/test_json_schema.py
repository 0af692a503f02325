"""The JSON Schema published for editors: well-formed Draft 2020-12, in step with the models,
and identical to the committed schema/resolute.schema.json."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.workflow.schema import json_schema

REPO = Path(__file__).resolve().parents[2]
PUBLISHED = REPO / "schema" / "resolute.schema.json"
REGENERATE = "python -m engine.workflow.schema > schema/resolute.schema.json"
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
JSON_TYPES = {"object", "array", "string", "number", "integer", "boolean", "null"}

# Every keyword of the Draft 2020-12 vocabularies (core, applicator, validation, meta-data,
# format-annotation, content, unevaluated).
KEYWORDS = {
    "$schema", "$id", "$ref", "$defs", "$anchor", "$dynamicRef", "$dynamicAnchor",
    "$vocabulary", "$comment",
    "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas",
    "prefixItems", "items", "contains", "properties", "patternProperties",
    "additionalProperties", "propertyNames", "unevaluatedItems", "unevaluatedProperties",
    "type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum",
    "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems",
    "uniqueItems", "maxContains", "minContains", "maxProperties", "minProperties", "required",
    "dependentRequired",
    "title", "description", "default", "deprecated", "readOnly", "writeOnly", "examples",
    "format", "contentEncoding", "contentMediaType", "contentSchema",
}  # fmt: skip
SUBSCHEMA_MAPS = {"properties", "$defs", "patternProperties", "dependentSchemas"}
SUBSCHEMA_LISTS = {"allOf", "anyOf", "oneOf", "prefixItems"}
SUBSCHEMA_ONE = {
    "items", "not", "if", "then", "else", "contains", "additionalProperties",
    "propertyNames", "unevaluatedItems", "unevaluatedProperties", "contentSchema",
}  # fmt: skip


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return json_schema()


def subschemas(node: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object in ``node`` (not the values of ``default``/``examples``/``enum``)."""
    if isinstance(node, bool):
        return
    assert isinstance(node, dict), f"{where}: a schema must be an object or a boolean"
    yield where, node
    for key, value in node.items():
        if key in SUBSCHEMA_MAPS:
            assert isinstance(value, dict), f"{where}/{key}"
            for name, sub in value.items():
                yield from subschemas(sub, f"{where}/{key}/{name}")
        elif key in SUBSCHEMA_LISTS:
            assert isinstance(value, list), f"{where}/{key}"
            assert value, f"{where}/{key}: empty"
            for i, sub in enumerate(value):
                yield from subschemas(sub, f"{where}/{key}/{i}")
        elif key in SUBSCHEMA_ONE:
            yield from subschemas(value, f"{where}/{key}")


def resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/$defs/"), ref
        node = schema["$defs"][ref.removeprefix("#/$defs/")]
    return node


def prop(schema: dict[str, Any], definition: str, name: str) -> dict[str, Any]:
    """The non-null alternative of a property of ``$defs[definition]``."""
    node = schema["$defs"][definition]["properties"][name]
    if "anyOf" in node:
        others = [alt for alt in node["anyOf"] if alt != {"type": "null"}]
        assert len(others) == 1, node
        node = others[0]
    return resolve(schema, node)


# --- Draft 2020-12 ---------------------------------------------------------------------------


def test_the_schema_declares_draft_2020_12_and_is_plain_json(schema: dict[str, Any]) -> None:
    assert schema["$schema"] == DRAFT_2020_12
    assert schema["type"] == "object"
    assert schema["title"]
    assert json.loads(json.dumps(schema, ensure_ascii=False)) == schema


def test_the_schema_is_well_formed(schema: dict[str, Any]) -> None:
    """Structural checks that hold for any valid schema; the meta-schema too when available."""
    nodes = dict(subschemas(schema))
    assert len(nodes) > 50
    for where, node in nodes.items():
        kinds = node.get("type")
        for kind in kinds if isinstance(kinds, list) else [kinds] if kinds else []:
            assert kind in JSON_TYPES, f"{where}: type {kind!r}"
        if "$ref" in node:
            assert resolve(schema, node), where
        if "pattern" in node:
            re.compile(node["pattern"])
        if "required" in node:
            assert set(node["required"]) <= set(node.get("properties", {})), where
            assert len(set(node["required"])) == len(node["required"]), where
        if "enum" in node:
            assert isinstance(node["enum"], list), where
            assert node["enum"], where
        for bound in ("minimum", "maximum", "minLength", "maxLength"):
            if bound in node:
                assert isinstance(node[bound], int | float), f"{where}/{bound}"
        assert "definitions" not in node, f"{where}: Draft 7 'definitions' in a 2020-12 schema"
    if importlib.util.find_spec("jsonschema") is not None:  # not a dependency: a bonus
        import jsonschema

        jsonschema.Draft202012Validator.check_schema(schema)


def test_every_keyword_is_a_json_schema_keyword(schema: dict[str, Any]) -> None:
    unknown = {
        f"{where}/{key}"
        for where, node in subschemas(schema)
        for key in node
        if key not in KEYWORDS
    }
    assert unknown == set()


# --- in step with the models -----------------------------------------------------------------


def test_the_top_level_keys(schema: dict[str, Any]) -> None:
    assert set(schema["properties"]) == {
        "$schema",
        "people",
        "groups",
        "resolution",
        "policy",
        "clauses",
    }
    assert schema["additionalProperties"] is False
    assert schema.get("required", []) == []  # an empty file, a roster alone: all optional
    people = schema["properties"]["people"]
    assert people["type"] == "array"
    assert resolve(schema, people["items"]) is schema["$defs"]["Person"]


@pytest.mark.parametrize(
    ("definition", "required"),
    [
        ("Person", {"id", "name"}),
        ("Group", {"id", "members"}),
        ("ResolutionMeta", {"id", "title", "number", "adopted", "controller"}),
        ("Clause", {"id", "text"}),
        ("Escalation", {"after", "to"}),
        ("PolicySpec", set()),
    ],
)
def test_definitions_are_closed_and_require_the_right_keys(
    schema: dict[str, Any], definition: str, required: set[str]
) -> None:
    node = schema["$defs"][definition]
    assert node["type"] == "object"
    assert node["additionalProperties"] is False  # a typo such as `emial` is flagged
    assert set(node.get("required", [])) == required


def test_the_binding_keys_of_the_spec_are_in_the_schema(schema: dict[str, Any]) -> None:
    defs = schema["$defs"]
    assert {"id", "title", "number", "adopted", "timezone", "controller"} <= set(
        defs["ResolutionMeta"]["properties"]
    )
    assert {"remind", "remind_at", "escalate", "digest_at", "acceptance"} <= set(
        defs["PolicySpec"]["properties"]
    )
    assert {"id", "text", "owners", "deadline", "every", "day"} <= set(defs["Clause"]["properties"])
    assert {"id", "name", "position", "organisation", "email", "telegram"} <= set(
        defs["Person"]["properties"]
    )
    assert {"id", "members"} <= set(defs["Group"]["properties"])


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("-7d", True),
        ("0d", True),
        ("+15d", True),
        ("2w", True),
        ("-1d", True),
        ("soon", False),
        ("7", False),
        ("-7 d", False),
        ("7days", False),
        ("-7d ", False),
        ("", False),
    ],
)
def test_the_duration_pattern(schema: dict[str, Any], value: str, ok: bool) -> None:
    remind = prop(schema, "PolicySpec", "remind")
    assert remind["type"] == "array"
    pattern = remind["items"]["pattern"]
    assert (re.search(pattern, value) is not None) is ok
    after = prop(schema, "Escalation", "after")
    assert (re.search(after["pattern"], value) is not None) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [("09:00", True), ("23:59", True), ("00:00", True), ("9:00", False), ("24:00", False)],
)
def test_the_time_pattern(schema: dict[str, Any], value: str, ok: bool) -> None:
    remind_at = prop(schema, "PolicySpec", "remind_at")
    assert remind_at["type"] == "string"
    assert (re.search(remind_at["pattern"], value) is not None) is ok


def test_identifiers_and_clause_ids(schema: dict[str, Any]) -> None:
    ident = prop(schema, "Person", "id")["pattern"]
    assert re.search(ident, "smagina")
    assert re.search(ident, "territorial-chairs")
    assert not re.search(ident, "Petrov")
    assert not re.search(ident, "1st")
    clause_id = prop(schema, "Clause", "id")["pattern"]
    assert re.search(clause_id, "II.4")
    assert re.search(clause_id, "III.3")
    assert not re.search(clause_id, ".4")


def test_deadline_and_every_alternatives(schema: dict[str, Any]) -> None:
    deadline = schema["$defs"]["Clause"]["properties"]["deadline"]["anyOf"]
    assert {"type": "string", "format": "date"} in deadline
    relative = [alt["pattern"] for alt in deadline if "pattern" in alt]
    assert len(relative) == 1
    assert re.search(relative[0], "+15d")
    assert not re.search(relative[0], "-15d")  # a deadline is after adoption
    every = schema["$defs"]["Clause"]["properties"]["every"]["anyOf"]
    assert {"enum": ["daily", "weekly", "monthly", "quarterly"]} in every
    rrule = [alt["pattern"] for alt in every if "pattern" in alt]
    assert len(rrule) == 1
    assert re.search(rrule[0], "RRULE:FREQ=MONTHLY;BYMONTHDAY=25")
    assert not any(
        "enum" in alt and "yearly" in alt["enum"] for alt in every
    )  # the models reject it too


def test_acceptance_and_channels_enums(schema: dict[str, Any]) -> None:
    acceptance = prop(schema, "PolicySpec", "acceptance")
    assert set(acceptance["enum"]) == {"controller", "none"}
    channels = prop(schema, "Person", "channels")
    assert set(channels["items"]["enum"]) == {"telegram", "max", "email"}


def _jsonable(value: Any) -> Any:
    """YAML data as an editor's JSON view of it (dates are strings there)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def test_the_shipped_workflows_conform_to_the_schema(schema: dict[str, Any]) -> None:
    """With jsonschema installed, a full check; without it, the keys of each file."""
    for path in sorted((REPO / "workflows").glob("*.yaml")):
        for data in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            assert isinstance(data, dict), path
            assert set(data) <= set(schema["properties"]), path
            if importlib.util.find_spec("jsonschema") is not None:
                import jsonschema

                jsonschema.Draft202012Validator(schema).validate(_jsonable(data))
            for key in ("people", "groups", "clauses"):
                for item in data.get(key, []):
                    definition = {"people": "Person", "groups": "Group", "clauses": "Clause"}
                    node = schema["$defs"][definition[key]]
                    assert set(item) <= set(node["properties"]), (path, item)
                    assert set(node["required"]) <= set(item), (path, item)


# --- the published file ----------------------------------------------------------------------


def test_the_published_schema_file_is_up_to_date(schema: dict[str, Any]) -> None:
    if not PUBLISHED.is_file():
        pytest.fail(
            f"{PUBLISHED.relative_to(REPO)} is missing: regenerate it with `{REGENERATE}`",
            pytrace=False,
        )
    published = json.loads(PUBLISHED.read_text(encoding="utf-8"))
    assert published == schema, f"{PUBLISHED.relative_to(REPO)} is stale: run `{REGENERATE}`"


def test_the_workflows_point_editors_at_the_published_schema() -> None:
    for path in sorted((REPO / "workflows").glob("*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=../schema/resolute.schema.json", path
        assert (path.parent / "../schema").resolve() == PUBLISHED.parent


def test_python_m_engine_workflow_schema_prints_the_schema(schema: dict[str, Any]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "engine.workflow.schema"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=REPO,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert json.loads(result.stdout) == schema
    assert result.stdout.endswith("}\n")
