"""Authentication-Results: the topmost header's DMARC result, for the record only."""

from __future__ import annotations

from email import message_from_bytes, policy

from hypothesis import given
from hypothesis import strategies as st

from engine.mail_auth import authentication, parse


def test_results_per_method_with_comments_and_a_version() -> None:
    server, results = parse(
        "mx.example.org 1; spf=pass (sender SPF (nested) ok) smtp.mailfrom=a.org;"
        " dkim=fail header.d=a.org; DMARC=Fail (p=reject) header.from=a.org; dmarc=pass"
    )
    assert server == "mx.example.org"
    assert results == {"spf": "pass", "dkim": "fail", "dmarc": "fail"}


def test_only_the_topmost_header_is_our_servers_verdict() -> None:
    raw = (
        b"Authentication-Results: mx.ours.org; dmarc=pass header.from=a.org\n"
        b"Authentication-Results: mx.ours.org; dmarc=fail header.from=a.org\n\nx\n"
    )
    found = authentication(message_from_bytes(raw, policy=policy.default))
    assert found.dmarc == "pass"
    assert not found.dmarc_failed
    assert len(found.headers) == 2
    assert authentication(message_from_bytes(b"\nx\n", policy=policy.default)).dmarc is None


@given(st.text(max_size=500))
def test_any_header_text_parses(value: str) -> None:
    server, results = parse(value)
    assert isinstance(server, str)
    assert all(k.islower() or not k.isalpha() for k in results)
