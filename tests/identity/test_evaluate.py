"""Pairwise and B-cubed scores from contingency counts, and loading the ground truth."""

from __future__ import annotations

import random
import time
from itertools import combinations
from pathlib import Path

import pytest

from intercop.errors import InputError
from intercop.evidence.ingest import IngestResult
from intercop.evidence.vault import Vault
from intercop.identity.evaluate import load_truth, score
from intercop.synth import Scenario
from intercop.workspace import Workspace

Ingested = tuple[Workspace, dict[str, IngestResult]]
TRUTH = {"a": "P1", "b": "P1", "c": "P1", "d": "P2", "e": "P2"}


def test_hand_made_clustering_has_known_scores() -> None:
    predicted = {"a": "X", "b": "X", "c": "Y", "d": "Y", "e": "Z"}
    s = score(predicted, TRUTH)
    # pairs predicted: ab, cd; true: ab ac bc de; right: ab
    assert (s.true_positives, s.false_positives, s.false_negatives) == (1, 1, 3)
    assert s.precision == pytest.approx(0.5)
    assert s.recall == pytest.approx(0.25)
    assert s.f1 == pytest.approx(1 / 3)
    # B-cubed precision: a,b 2/2; c,d 1/2; e 1/1 -> 4/5; recall: a,b 2/3; c 1/3; d,e 1/2
    assert s.bcubed_precision == pytest.approx(4 / 5)
    assert s.bcubed_recall == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1 / 2 + 1 / 2) / 5)
    assert s.bcubed_f1 == pytest.approx(2 * 0.8 * (8 / 15) / (0.8 + 8 / 15))
    assert s.accounts == 5


def test_perfect_all_in_one_and_all_apart() -> None:
    perfect = score({k: f"c{v}" for k, v in TRUTH.items()}, TRUTH)
    assert (perfect.precision, perfect.recall, perfect.f1, perfect.bcubed_f1) == (1, 1, 1, 1)
    lumped = score(dict.fromkeys(TRUTH, "one"), TRUTH)
    assert lumped.precision == pytest.approx(4 / 10) and lumped.recall == 1.0
    assert lumped.bcubed_precision == pytest.approx((3 * 3 / 5 + 2 * 2 / 5) / 5)
    apart = score({}, TRUTH)  # accounts missing from the prediction are singletons
    assert (apart.precision, apart.recall, apart.f1) == (1.0, 0.0, 0.0)
    assert apart.false_negatives == 4 and apart.bcubed_precision == 1.0


def test_accounts_outside_the_truth_are_not_scored() -> None:
    predicted = {k: "c" + v for k, v in TRUTH.items()} | {"zz": "cP1", "yy": "cP2"}
    assert score(predicted, TRUTH).f1 == 1.0


def test_counts_match_pair_enumeration_on_a_random_clustering() -> None:
    rng = random.Random(7)
    truth = {f"u{i}": f"p{rng.randrange(60)}" for i in range(300)}
    predicted = {u: f"c{rng.randrange(80)}" for u in truth if rng.random() < 0.9}
    s = score(predicted, truth)
    cluster = {u: predicted.get(u, f"solo-{u}") for u in truth}
    same_pred = {p for p in combinations(sorted(truth), 2) if cluster[p[0]] == cluster[p[1]]}
    same_true = {p for p in combinations(sorted(truth), 2) if truth[p[0]] == truth[p[1]]}
    assert s.true_positives == len(same_pred & same_true)
    assert s.false_positives == len(same_pred - same_true)
    assert s.false_negatives == len(same_true - same_pred)


def test_a_million_accounts_score_in_seconds() -> None:
    rng = random.Random(1)
    truth = {f"d:{i}": f"p{i // 3}" for i in range(1_000_000)}
    predicted = {
        u: (p if rng.random() < 0.95 else f"x{rng.randrange(10)}") for u, p in truth.items()
    }
    started = time.monotonic()
    s = score(predicted, truth)
    assert time.monotonic() - started < 20
    assert 0.0 < s.precision < 0.01  # ten clusters of ~5,000 wrong accounts each
    assert 0.85 < s.recall < 0.95


def test_load_truth_maps_files_to_datasets(ingested: Ingested, takedowns: Scenario) -> None:
    truth = load_truth(ingested[0], takedowns.out)
    assert len(truth) == takedowns.accounts
    datasets = {m.dataset_id for m in Vault(ingested[0]).manifests()}
    assert {u.split(":", 1)[0] for u in truth} == datasets
    assert len(set(truth.values())) > len(truth) / 4


def test_load_truth_without_truth_says_what_to_do(ingested: Ingested, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no ground truth"):
        load_truth(ingested[0], tmp_path)
    (tmp_path / "truth").mkdir()
    (tmp_path / "truth" / "accounts.csv").write_text("file,key\nx.sql,1\n")
    with pytest.raises(InputError, match="account_key, person_id"):
        load_truth(ingested[0], tmp_path)
