"""``resolute invite`` as an operator runs it, and the link as an official opens it.

Separate processes against a real database and the loopback Bot API; time is ``--now``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.acceptance.test_founding_resolution import RESOLUTE, WORKFLOWS, resolute
from tests.fakes.bot_api import FakeBotAPI
from tests.helpers import SECRET, words

NOW = "2023-10-06T10:00+03:00"
UNLINKED = ["shchukin", "sokolov", "yakovleva"]  # in the roster without a Telegram chat id


@pytest.fixture
def api() -> Iterator[FakeBotAPI]:
    with FakeBotAPI().serving_in_thread() as fake:
        yield fake


@pytest.fixture
def env(db_url: str, api: FakeBotAPI) -> dict[str, str]:
    values = {
        **os.environ,
        "RESOLUTE_DB_URL": db_url,
        "RESOLUTE_TELEGRAM_TOKEN": api.token,
        "RESOLUTE_TELEGRAM_API_URL": api.url,
        "RESOLUTE_SECRET": SECRET,
    }
    resolute(values, "apply", str(WORKFLOWS), "--now", NOW)
    return values


def links(output: str) -> dict[str, str]:
    rows = [line.split("\t") for line in output.splitlines() if "\t" in line]
    return {row[0]: row[2].split()[0] for row in rows}


def test_invite_all_links_the_unlinked_and_a_link_binds_a_chat_once(
    env: dict[str, str], api: FakeBotAPI
) -> None:
    issued = links(resolute(env, "invite", "--all", "--now", NOW).stdout)
    assert sorted(issued) == UNLINKED
    assert all(
        link.startswith(f"https://t.me/{api.bot_username}?start=") for link in issued.values()
    )

    token = issued["yakovleva"].split("start=")[1]
    api.send_text(7001, f"/start {token}")
    api.send_text(7001, "/tasks")
    api.send_text(7002, f"/start {token}")  # the same link, someone else
    resolute(env, "tick", "--now", "2023-10-06T10:05+03:00")
    greeting, tasks = (m.plain_text for m in api.messages_to(7001))
    assert greeting.startswith("Здравствуйте, Яковлева")
    # Her clauses (III.x, recurring) have no occurrence yet on 6 October: nothing is open.
    assert not [
        r for r in json.loads(resolute(env, "status", "--json").stdout) if r["owner"] == "yakovleva"
    ]
    assert tasks == words("conversation.no_tasks")
    assert [m.plain_text for m in api.messages_to(7002)] == [words("invites.used")]

    again = links(resolute(env, "invite", "--all", "--now", NOW).stdout)
    assert sorted(again) == ["shchukin", "sokolov"]  # yakovleva is linked now


def test_invite_refuses_unknown_people_and_ambiguous_arguments(env: dict[str, str]) -> None:
    unknown = resolute(env, "invite", "yakovleva", "nobody", "--bot", "b", expect=2)
    assert "Нет в базе: nobody" in unknown.stderr
    assert unknown.stdout == ""  # nothing issued when one id is wrong
    neither = resolute(env, "invite", expect=2)
    assert "Укажите идентификаторы людей или --all" in neither.stderr
    both = resolute(env, "invite", "yakovleva", "--all", expect=2)
    assert "что-то одно" in both.stderr


def test_a_linked_person_named_explicitly_gets_a_relinking_link(env: dict[str, str]) -> None:
    out = resolute(env, "invite", "kornilova", "--bot", "some_bot", "--now", NOW).stdout
    assert "https://t.me/some_bot?start=" in out
    assert "уже подключён" in out


def test_invite_without_telegram_or_secret_says_what_is_missing(
    env: dict[str, str], tmp_path: Path
) -> None:
    no_bot = {k: v for k, v in env.items() if not k.startswith("RESOLUTE_TELEGRAM")}
    result = resolute(no_bot, "invite", "yakovleva", expect=2)
    assert "RESOLUTE_TELEGRAM_TOKEN" in result.stderr
    assert "--bot" in result.stderr
    no_secret = {k: v for k, v in env.items() if k != "RESOLUTE_SECRET"}
    assert "RESOLUTE_SECRET" in resolute(no_secret, "invite", "--all", expect=2).stderr
    assert RESOLUTE  # the same binary as the other acceptance tests


def test_invite_to_max_prints_its_start_links_and_one_links_a_max_user(
    db_url: str, env: dict[str, str]
) -> None:
    from tests.fakes.max_api import FakeMaxAPI

    with FakeMaxAPI().serving_in_thread() as max_api:
        values = {k: v for k, v in env.items() if not k.startswith("RESOLUTE_TELEGRAM")}
        values |= {"RESOLUTE_MAX_TOKEN": max_api.token, "RESOLUTE_MAX_API_URL": max_api.url}
        resolute(values, "tick", "--now", NOW)  # the service has polled once (the marker)
        issued = links(resolute(values, "invite", "--channel", "max", "--all", "--now", NOW).stdout)
        assert len(issued) > 3  # nobody is on MAX yet: every person of the roster
        assert all(
            link.startswith(f"https://max.ru/{max_api.bot_username}?start=")
            for link in issued.values()
        )
        max_api.start(8001, issued["yakovleva"].split("start=")[1])
        resolute(values, "tick", "--now", "2023-10-06T10:05+03:00")
        greeting, *_ = [m.text or "" for m in max_api.messages_to(max_api.dialog_of(8001))]
        assert greeting.startswith("Здравствуйте, Яковлева")
        again = links(resolute(values, "invite", "--channel", "max", "--all", "--now", NOW).stdout)
        assert "yakovleva" not in again
        assert len(again) == len(issued) - 1
        wrong = resolute(values, "invite", "--channel", "sms", "--all", expect=2)
        assert "telegram или max" in wrong.stderr
