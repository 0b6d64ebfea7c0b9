"""Registering the network's agencies and their public keys in the case store."""

from __future__ import annotations

import pytest

from intercop.access import AccessError, add_user
from intercop.audit import search, verify
from intercop.exchange.agencies import add_agency, agency_json, get_agency, list_agencies
from intercop.exchange.errors import AgencyError, KeyFileError
from intercop.exchange.keys import ensure_keys
from intercop.store import Store
from intercop.workspace import Workspace


def test_names_and_eu_membership_come_from_the_network_list(store: Store) -> None:
    with store.session() as session:
        fi, outcome = add_agency(session, "fi", user=None)
        us, _ = add_agency(session, "US", user=None)
        session.commit()
    assert outcome == "added"
    assert fi.code == "FI" and fi.eu and "Poliisi" in fi.name
    assert not us.eu
    assert fi.added_by == "bootstrap"


def test_an_agency_outside_the_list_needs_name_and_eu(store: Store) -> None:
    with store.session() as session:
        with pytest.raises(AgencyError, match="--name"):
            add_agency(session, "ZZ", user=None)
        with pytest.raises(AgencyError, match="--eu or --no-eu"):
            add_agency(session, "ZZ", user=None, name="Zedland police")
        zz, _ = add_agency(session, "ZZ", user=None, name="Zedland police", eu=False)
        assert not zz.eu


def test_keys_are_registered_and_rotation_is_explicit(store: Store, workspace: Workspace) -> None:
    old, _ = ensure_keys(workspace, "FI")
    with store.session() as session:
        add_agency(session, "FI", user=None, sign_key=old.sign_public,
                   box_key_text=old.box_public)  # fmt: skip
        _, outcome = add_agency(session, "FI", user=None, sign_key=old.sign_public,
                                box_key_text=old.box_public)  # fmt: skip
        assert outcome == "unchanged"
        session.commit()
    other = Workspace(workspace.root / "elsewhere")  # FI's new pair, made in another folder
    other.root.mkdir()
    rotated, _ = ensure_keys(other, "FI")
    with store.session() as session:
        with pytest.raises(AgencyError, match=r"already has keys.*--replace"):
            add_agency(session, "FI", user=None, sign_key=rotated.sign_public,
                       box_key_text=rotated.box_public)  # fmt: skip
        agency, outcome = add_agency(session, "FI", user=None, sign_key=rotated.sign_public,
                                     box_key_text=rotated.box_public, replace=True)  # fmt: skip
        session.commit()
        assert outcome == "updated"
        shown = agency_json(agency)
        assert shown["sign_fingerprint"] == rotated.sign_fingerprint
        entries = search(session, action="agency.update")
        assert entries[0].detail and old.sign_fingerprint in entries[0].detail
        assert verify(session).ok
        assert [a.code for a in list_agencies(session)] == ["FI"]


def test_malformed_or_half_keys_are_refused(store: Store) -> None:
    with store.session() as session:
        with pytest.raises(AgencyError, match="both public keys"):
            add_agency(session, "FI", user=None, sign_key="AAAA")
        with pytest.raises(KeyFileError, match=r"base64|bytes"):
            add_agency(session, "FI", user=None, sign_key="not base64!", box_key_text="AAAA")


def test_once_a_supervisor_exists_only_managers_add_agencies(store: Store) -> None:
    with store.session() as session:
        add_user(session, "sam", "supervisor", "NL", acting="setup")
        add_user(session, "olle", "officer", "NL", acting="setup")
        with pytest.raises(AccessError, match="needs a user"):
            add_agency(session, "FI", user=None)
        with pytest.raises(AccessError, match=r"agency.manage"):
            add_agency(session, "FI", user="olle")
        fi, _ = add_agency(session, "FI", user="sam")
        assert fi.added_by == "sam"


def test_an_unknown_agency_says_how_to_add_it(store: Store) -> None:
    with store.session() as session, pytest.raises(AgencyError, match="intercop agency add"):
        get_agency(session, "FI", "sender agency")
