"""An agency's key pairs: created once, private, and reloaded identically."""

from __future__ import annotations

import json
import logging

import pytest

from intercop.exchange.errors import AgencyError, KeyFileError
from intercop.exchange.keys import ensure_keys, fingerprint, key_path, load_keys, unb64
from intercop.workspace import Workspace


def test_keys_are_created_once_with_mode_0600(workspace: Workspace) -> None:
    made, created = ensure_keys(workspace, "nl")
    again, created_again = ensure_keys(workspace, "NL")
    assert created and not created_again
    assert made.agency == "NL"
    assert again.sign_public == made.sign_public and again.box_public == made.box_public
    path = key_path(workspace, "NL")
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert [p.name for p in path.parent.iterdir()] == ["NL.json"]  # no temporary left


def test_public_json_holds_no_private_key(workspace: Workspace) -> None:
    made, _ = ensure_keys(workspace, "FI")
    doc = json.loads(key_path(workspace, "FI").read_text())
    shown = json.dumps(made.public_json()) + repr(made)
    assert doc["sign_seed"] not in shown and doc["box_secret"] not in shown
    assert made.public_json()["sign_fingerprint"] == fingerprint(unb64(made.sign_public, "key", 32))
    assert made.public_json()["add_command"].startswith("intercop agency add FI --sign-key ")


def test_private_keys_are_never_logged(
    workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ensure_keys(workspace, "SE")
    doc = json.loads(key_path(workspace, "SE").read_text())
    assert doc["sign_seed"] not in caplog.text and doc["box_secret"] not in caplog.text


def test_a_key_file_others_can_read_is_refused(workspace: Workspace) -> None:
    ensure_keys(workspace, "NL")
    key_path(workspace, "NL").chmod(0o644)
    with pytest.raises(KeyFileError, match=r"readable by others.*chmod 600"):
        load_keys(workspace, "NL")


def test_missing_or_damaged_keys_say_what_to_do(workspace: Workspace) -> None:
    with pytest.raises(KeyFileError, match="exchange keys --agency PT"):
        load_keys(workspace, "PT")
    ensure_keys(workspace, "PT")
    key_path(workspace, "PT").write_text('{"format": "intercop-agency-keys"}')
    with pytest.raises(KeyFileError, match="not a usable key file"):
        load_keys(workspace, "PT")


def test_an_agency_code_is_two_letters(workspace: Workspace) -> None:
    with pytest.raises(AgencyError, match="two-letter"):
        ensure_keys(workspace, "../etc")
