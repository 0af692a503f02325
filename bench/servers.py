"""The fake servers, each in a process of its own (``python -m bench.servers botapi|smtp …``).

The tests' own fakes (tests/fakes): the loopback Bot API that python-telegram-bot talks to, and
aiosmtpd. Running them here keeps their CPU out of the benchmark process's figures. The process
prints one JSON line when it is ready, answers ``stats`` on stdin with one JSON line, and stops
when stdin closes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import deque
from typing import Any

from tests.fakes.bot_api import FakeBotAPI, RateLimits
from tests.fakes.mail import FakeSMTP


def _say(values: dict[str, Any]) -> None:
    print(json.dumps(values), flush=True)


def _bot_stats(api: FakeBotAPI) -> dict[str, Any]:
    sent = api.sent
    times = sorted(m.at for m in sent)
    busiest, window = 0, deque[float]()
    for t in times:
        window.append(t)
        while window[0] <= t - 1.0:
            window.popleft()
        busiest = max(busiest, len(window))
    last_by_chat: dict[int, float] = {}
    closest = float("inf")
    for m in sorted(sent, key=lambda m: m.at):
        if m.chat_id in last_by_chat:
            closest = min(closest, m.at - last_by_chat[m.chat_id])
        last_by_chat[m.chat_id] = m.at
    return {
        "sent": len(sent),
        "too_many_requests": api.too_many_requests,
        "first_at": times[0] if times else None,
        "last_at": times[-1] if times else None,
        "busiest_second": busiest,
        "closest_in_chat_s": None if closest == float("inf") else closest,
        "cpu_s": time.process_time(),
    }


def botapi(args: argparse.Namespace) -> None:
    limits = None
    if args.limits:
        per_bot, per_chat = (int(x) for x in args.limits.split(","))
        limits = RateLimits(per_bot_per_s=per_bot, per_chat_per_s=per_chat)
    api = FakeBotAPI(args.token, limits=limits)
    first, count = (int(x) for x in args.chats.split(":"))
    for chat in range(first, first + count):
        api.add_chat(chat)
    with api.serving_in_thread():
        _say({"url": api.url})
        for line in sys.stdin:
            if line.strip() == "stats":
                _say(_bot_stats(api))


def smtp(args: argparse.Namespace) -> None:
    with FakeSMTP(security="none") as server:
        _say({"host": server.host, "port": server.port})
        for line in sys.stdin:
            if line.strip() == "stats":
                _say({"received": len(server.received), "cpu_s": time.process_time()})


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.servers")
    kinds = parser.add_subparsers(dest="kind", required=True)
    bot = kinds.add_parser("botapi")
    bot.add_argument("--token", required=True)
    bot.add_argument("--chats", default="0:0", help="FIRST:COUNT chats that started the bot")
    bot.add_argument("--limits", default="", help="PER_BOT,PER_CHAT messages a second")
    kinds.add_parser("smtp")
    args = parser.parse_args()
    {"botapi": botapi, "smtp": smtp}[args.kind](args)


if __name__ == "__main__":
    main()
