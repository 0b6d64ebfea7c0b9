"""The composed e-mail, parsed back with the standard library."""

from __future__ import annotations

import email
from email.message import EmailMessage
from email.policy import default

from intercop.outreach.mime import compose, encode_words, message_id_for, ref_of
from tests.outreach.test_channels import envelope


def parse(data: bytes) -> EmailMessage:
    msg = email.message_from_bytes(data, policy=default)
    assert isinstance(msg, EmailMessage)
    return msg


def test_headers_and_parts_round_trip() -> None:
    env = envelope()
    msg = parse(compose(env, wire=True))
    assert msg["Subject"] == "あなたのアカウント"
    assert msg["Content-Language"] == "ja" and msg["Auto-Submitted"] == "auto-generated"
    assert msg["Message-ID"] == env.message_id and msg["X-InterCOP-Ref"] == "c1.m1"
    assert msg["From"].addresses[0].display_name == env.agency.name
    text, html = parse(compose(env)).iter_parts()
    assert text.get_content() == "本文です。\n" and "<p>本文です。</p>" in html.get_content()
    assert b"\r\n" in compose(env, wire=True) and b"\r\n" not in compose(env)


def test_long_non_ascii_subjects_fold_into_short_encoded_words() -> None:
    subject = "Uw account bij QuantumStress — één waarschuwing " * 4
    words = encode_words(subject)
    assert all(len(line.strip()) <= 76 for line in words.split("\n"))
    assert str(email.header.make_header(email.header.decode_header(words))) == subject
    assert encode_words("plain ascii") == "plain ascii"


def test_message_ids_are_deterministic_and_keyed() -> None:
    a = message_id_for(b"k" * 32, 3, 17, "PER-000001", "x.example")
    assert a == message_id_for(b"k" * 32, 3, 17, "PER-000001", "x.example")
    assert a != message_id_for(b"j" * 32, 3, 17, "PER-000001", "x.example")
    assert a.startswith("<c3.m17.") and ref_of(a) == "c3.m17" and "PER" not in a
