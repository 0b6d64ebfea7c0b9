"""Masking of identifiers shown on the person page."""

from __future__ import annotations

from intercop.identity.masking import mask_email, mask_text


def test_email_and_ip_inside_evidence_are_masked() -> None:
    masked = mask_text({"note": "seen as jan.devries@example.org from 192.0.2.77"})
    assert masked == {"note": f"seen as {mask_email('jan.devries@example.org')} from 192.0.2.x"}


def test_text_read_from_an_email_address_is_masked_too() -> None:
    evidence = [{"name": "s.versluijs.pjf96", "where": "e-mail", "year": 1996}]
    assert mask_text(evidence) == [{"name": "s***", "where": "e-mail", "year": 1996}]
    assert mask_text({"name": "skid", "where": "username"}) == {"name": "skid", "where": "username"}
