"""Reviewer judgements: validation, round trip, latest-wins, and the vault check."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from intercop.evidence.ingest import IngestRequest, ingest
from intercop.evidence.vault import Vault
from intercop.identity.judgements import (
    JudgementError,
    UnknownAccountError,
    effective_judgements,
    list_judgements,
    pair_of,
    record_judgement,
)
from intercop.settings import Settings
from intercop.store import Store, open_store
from intercop.workspace import Workspace
from tests.store.backends import BACKENDS, case_store_url

A = "3f2a9c0d1e4b5a67:1042"
B = "0b1c2d3e4f5a6b7c:alice"
C = "0b1c2d3e4f5a6b7c:bob"


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, workspace: Workspace) -> Iterator[Store]:
    with case_store_url(request.param, workspace) as url, open_store(workspace, url) as opened:
        yield opened


def judge(store: Store, a: str, b: str, decision: str, reason: str = "checked") -> None:
    record_judgement(store, a, b, decision, reason=reason, user="analyst1")


def test_a_judgement_round_trips_in_canonical_order(store: Store) -> None:
    before = datetime.now(UTC)
    made = record_judgement(
        store, A, B, "Different ", reason="  other birth year ", user=" analyst1 "
    )
    assert (made.left_uid, made.right_uid) == (B, A) == pair_of(A, B)
    assert (made.decision, made.reason, made.user_name) == (
        "different",
        "other birth year",
        "analyst1",
    )
    [stored] = list_judgements(store)
    assert stored == made
    assert stored.created_at.tzinfo is not None
    assert before - timedelta(seconds=1) <= stored.created_at <= datetime.now(UTC)


def test_the_latest_judgement_of_a_pair_wins(store: Store) -> None:
    judge(store, A, B, "same")
    judge(store, B, C, "same")
    judge(store, B, A, "different", "the birth years differ")  # same pair, other order
    assert effective_judgements(store) == {pair_of(A, B): "different", pair_of(B, C): "same"}
    judge(store, A, B, "same", "second look: the same PayPal address")
    assert effective_judgements(store)[pair_of(A, B)] == "same"
    assert [j.decision for j in list_judgements(store)] == ["same", "same", "different", "same"]


def test_unsure_withdraws_an_earlier_decision(store: Store) -> None:
    judge(store, A, B, "different")
    judge(store, A, C, "same")
    judge(store, A, B, "unsure", "not so sure any more")
    assert effective_judgements(store) == {pair_of(A, C): "same"}
    judge(store, A, B, "same")
    assert effective_judgements(store) == {pair_of(A, C): "same", pair_of(A, B): "same"}
    assert len(list_judgements(store)) == 4  # nothing was overwritten


def test_judgements_involving_one_account(store: Store) -> None:
    judge(store, A, B, "same")
    judge(store, B, C, "different")
    assert [j.pair for j in list_judgements(store, involving=C)] == [pair_of(B, C)]
    assert len(list_judgements(store, involving=B)) == 2
    assert list_judgements(store, involving="ffff:1") == []


@pytest.mark.parametrize(
    "a, b, decision, reason, user, says",
    [
        ("1042", B, "same", "r", "u", "does not name an account"),
        (A, ":1042", "same", "r", "u", "does not name an account"),
        (A, "0b1c2d3e4f5a6b7c:", "same", "r", "u", "does not name an account"),
        (A, "0b1c2d3e4f5a6b7c: x", "same", "r", "u", "does not name an account"),
        (A, "x" * 290 + ":" + "1" * 20, "same", "r", "u", "does not name an account"),
        (A, A, "same", "r", "u", "judge two different accounts"),
        (A, B, "maybe", "r", "u", "not one of same, different, unsure"),
        (A, B, "same", "   ", "u", "needs a reason"),
        (A, B, "same", "r", "", "reviewer's name"),
    ],
)
def test_bad_judgements_are_refused_with_what_to_do(
    workspace: Workspace, a: str, b: str, decision: str, reason: str, user: str, says: str
) -> None:
    with open_store(workspace, f"sqlite:///{workspace.case_store}") as store:
        with pytest.raises(JudgementError, match=says) as caught:
            record_judgement(store, a, b, decision, reason=reason, user=user)
        assert "--" in str(caught.value) or "INTERCOP_USER" in str(caught.value)
        assert list_judgements(store) == []


def test_a_key_may_hold_colons(workspace: Workspace) -> None:
    with open_store(workspace, f"sqlite:///{workspace.case_store}") as store:
        made = record_judgement(store, "aa:x:1", "aa:x:2", "same", reason="r", user="u")
        assert made.pair == ("aa:x:1", "aa:x:2")


@pytest.fixture
def small_vault(workspace: Workspace, tmp_path: Path) -> tuple[Workspace, str]:
    """A workspace holding one tiny synthetic forum dataset with accounts 1 and 2."""
    users = tmp_path / "users.csv"
    users.write_text("id,username,email\n1,alice,alice@example.org\n2,bob,bob@example.org\n")
    request = IngestRequest(paths=(users,), platform="tiny", kind="forum")
    return workspace, ingest(workspace, request, Settings()).manifest.dataset_id


def test_with_a_vault_both_accounts_must_exist(small_vault: tuple[Workspace, str]) -> None:
    workspace, dataset = small_vault
    vault = Vault(workspace)
    with open_store(workspace, f"sqlite:///{workspace.case_store}") as store:
        made = record_judgement(
            store, f"{dataset}:2", f"{dataset}:1", "same", reason="r", user="u", vault=vault
        )
        assert made.pair == (f"{dataset}:1", f"{dataset}:2")
        with pytest.raises(UnknownAccountError, match="has no account with key '3'"):
            record_judgement(
                store, f"{dataset}:1", f"{dataset}:3", "same", reason="r", user="u", vault=vault
            )
        with pytest.raises(UnknownAccountError, match="no dataset 'feedfacefeedface'"):
            record_judgement(
                store,
                f"{dataset}:1",
                "feedfacefeedface:1",
                "same",
                reason="r",
                user="u",
                vault=vault,
            )
        assert len(list_judgements(store)) == 1
