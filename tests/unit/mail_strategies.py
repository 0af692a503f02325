"""Hypothesis strategies for hostile e-mail: forged From headers, wrong references, unknown
charsets and encodings, odd file names, fake reports. Shared by the reader's property tests."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import strategies as st

OURS = "{ours}"  # replaced by the caller with the Message-ID of a message really sent
OWNER = "sidorov@example.org"

FROMS = st.one_of(
    st.just(OWNER),
    st.just(f"Сидоров С.С. <{OWNER.upper()}>"),
    st.sampled_from(
        [
            f"{OWNER} <attacker@evil.example>",
            f'"{OWNER}" <attacker@evil.example>',
            f"attacker@evil.example ({OWNER})",
            f"{OWNER}, attacker@evil.example",
            f"g: {OWNER};",
            "=?x-unknown?q?=D0=A1?= <" + OWNER + ">",
            "=?utf-8?b?!!!?= <" + OWNER + ">",
            "",
            "<>",
        ]
    ),
    st.text(max_size=80),
)
REFS = st.one_of(
    st.just(OURS),
    st.sampled_from([f"<x@y> {OURS}", "<r.0123456789abcdef0123@example.org>", "", "<>"]),
    st.text(max_size=80),
    st.lists(st.from_regex(r"<[a-z0-9.]{1,20}@[a-z]{1,8}>", fullmatch=True), max_size=80).map(
        " ".join
    ),
)
CHARSETS = st.one_of(
    st.sampled_from(["utf-8", "koi8-r", "windows-1251", "x-unknown", "utf-7", "", "utf-16"]),
    st.text(max_size=20),
)
ENCODINGS = st.sampled_from(["8bit", "7bit", "base64", "quoted-printable", "x-uuencode", "bogus"])
BODIES = st.one_of(
    st.sampled_from(["Выполнено", "готово\n> цитата", "done", "--\nподпись"]).map(str.encode),
    st.binary(max_size=300),
    st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
)
NAMES = st.one_of(st.text(max_size=400), st.sampled_from(["../../x", "a" * 600 + ".pdf", ""]))


def _clean(value: str) -> str:
    """A header value on one line (a newline would start another header)."""
    return value.replace("\r", " ").replace("\n", " ")


@st.composite
def hostile_mails(draw: st.DrawFn) -> tuple[bytes, str]:
    """(raw mail with ``{ours}`` placeholders left in, its From): the caller formats the ID in."""
    sender = _clean(draw(FROMS))
    refs = _clean(draw(REFS))
    charset = _clean(draw(CHARSETS)).replace('"', "")
    encoding = draw(ENCODINGS)
    body = draw(BODIES)
    head = [f"From: {sender}", f"In-Reply-To: {refs}", f"References: {refs}"]
    if draw(st.booleans()):
        head.append("Authentication-Results: " + _clean(draw(st.text(max_size=120))))
    if draw(st.booleans()):
        head.append(f"Message-ID: <{draw(st.integers(0, 10**6))}@fuzz>")
    text_part = (
        f'Content-Type: text/plain; charset="{charset}"\nContent-Transfer-Encoding: {encoding}\n\n'
    ).encode("utf-8", "surrogatepass") + body
    kind = draw(st.sampled_from(["plain", "attachment", "report", "nested"]))
    if kind == "plain":
        raw = (
            "\n".join(head).encode("utf-8", "surrogatepass") + b"\nMIME-Version: 1.0\n" + text_part
        )
        return raw, sender
    name = quote(draw(NAMES).encode("utf-8", "surrogatepass"))
    second = {
        "attachment": (
            "Content-Type: application/pdf\nContent-Transfer-Encoding: base64\n"
            f"Content-Disposition: attachment; filename*=utf-8''{name}\n\nJVBERi0xLjQ=\n"
        ),
        "report": (
            "Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\n"
            f"Final-Recipient: rfc822; {sender}\nAction: failed\n\n--B\n"
            f"Content-Type: text/rfc822-headers\n\nMessage-ID: {refs}\n"
        ),
        "nested": "Content-Type: message/rfc822\n\n" + "\n".join(head) + "\n\nвнутри\n",
    }[kind]
    report = (
        "multipart/report; report-type=delivery-status" if kind == "report" else "multipart/mixed"
    )
    raw = (
        (
            "\n".join(head) + f'\nMIME-Version: 1.0\nContent-Type: {report}; boundary="B"\n\n--B\n'
        ).encode("utf-8", "surrogatepass")
        + text_part
        + f"\n--B\n{second}\n--B--\n".encode("utf-8", "surrogatepass")
    )
    return raw, sender
