"""The reply reader: bytes in, a bounded ``Reply`` out, for any bytes at all."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.mail_replies import MAX_REFERENCES, MAX_TEXT_CHARS, Reply, parse
from tests.unit.mail_strategies import hostile_mails


def test_a_text_part_in_an_unknown_charset_is_read_as_utf8_and_noted() -> None:
    raw = (
        b'From: a@b.org\nContent-Type: text/plain; charset="x-klingon"\n'
        b"Content-Transfer-Encoding: 8bit\n\n"
    ) + "Выполнено, всё готово".encode()
    reply = parse(raw)
    assert reply.text == "Выполнено, всё готово"
    assert reply.unknown_charsets == ("x-klingon",)
    assert reply.confirms


def test_raw_8bit_headers_are_read_as_utf8() -> None:
    raw = "From: a@b.org\nMessage-ID: <ид@пример>\nIn-Reply-To: <ид@x>\n\nx\n".encode()
    reply = parse(raw)
    assert reply.message_id == "<ид@пример>"
    assert reply.refers_to == ("<ид@x>",)


def test_the_parent_comes_first_then_references_from_the_newest() -> None:
    raw = b"From: a@b.org\nIn-Reply-To: <p@x>\nReferences: <r1@x> <r2@x> <p@x>\n\nx\n"
    assert parse(raw).refers_to == ("<p@x>", "<r2@x>", "<r1@x>")


def test_a_bounce_quotes_its_original_only_in_the_returned_part() -> None:
    raw = (
        b"From: MAILER-DAEMON@mx\nMessage-ID: <own@mx>\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n'
        b"--B\nContent-Type: text/plain\n\nMessage-ID: <in-text@x>\n"
        b"--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\n"
        b"Final-Recipient: rfc822; <A@B.org>\nAction: failed\n\n"
        b"--B\nContent-Type: text/rfc822-headers\n\nMessage-ID: <ours@x>\n\n--B--\n"
    )
    reply = parse(raw)
    assert reply.bounced == ("a@b.org",)
    assert reply.bounce_of == ("<ours@x>",)
    assert reply.auto_submitted


@settings(max_examples=300, deadline=1000, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000))
def test_any_bytes_parse_into_a_bounded_reply(raw: bytes) -> None:
    reply = parse(raw)
    assert len(reply.text) <= MAX_TEXT_CHARS
    assert len(reply.refers_to) <= MAX_REFERENCES
    _storable(reply)


@settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_mails())
def test_hostile_mails_parse_quickly_and_stay_within_bounds(mail: tuple[bytes, str]) -> None:
    raw, _ = mail
    started = time.perf_counter()
    reply = parse(raw)
    assert time.perf_counter() - started < 1.0
    assert len(reply.text) <= MAX_TEXT_CHARS
    assert len(reply.refers_to) <= MAX_REFERENCES
    assert all(len(i) <= 255 for i in reply.refers_to)
    assert all(0 < len(f.file_name.encode()) <= 255 for f in reply.files)
    assert (reply.sender == "") == (reply.sender_refused is not None)
    assert reply.message_id is None or len(reply.message_id) <= 255
    _storable(reply)


def _storable(reply: Reply) -> None:
    """What goes to the database, the log and the inbound row's JSON encodes as UTF-8."""
    texts = [reply.message_id or "", reply.sender, reply.from_header, reply.text]
    texts += [*reply.refers_to, *reply.bounced, *reply.bounce_of, *reply.authentication.headers]
    texts += [f.file_name for f in reply.files] + list(reply.unknown_charsets)
    for text in texts:
        text.encode("utf-8")


def test_thousands_of_references_are_cut_to_the_newest_before_any_parsing() -> None:
    refs = " ".join(f"<id{i}@example.org>" for i in range(20_000))
    reply = parse(f"From: a@b.org\nIn-Reply-To: <p@x>\nReferences: {refs}\n\nx\n".encode())
    assert len(reply.refers_to) == MAX_REFERENCES
    assert reply.refers_to[:2] == ("<p@x>", "<id19999@example.org>")
