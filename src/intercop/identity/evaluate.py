"""Accuracy of a clustering of accounts into persons against ground truth.

Pairwise precision/recall/F1 and B-cubed scores are computed from the contingency
counts of (predicted cluster, true person) — sums of ``C(n, 2)`` — never by listing
pairs, so scoring 1,000,000 accounts takes seconds. The universe is the truth: an
account in the truth but missing from the prediction is a singleton; predicted
accounts without a truth row are not scored.
"""

from __future__ import annotations

import csv
import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from intercop.errors import InputError
from intercop.evidence.vault import Vault
from intercop.identity.record import uid
from intercop.workspace import Workspace

log = logging.getLogger(__name__)

TRUTH_ACCOUNTS = Path("truth") / "accounts.csv"
_NEEDED = ("file", "account_key", "person_id")


@dataclass(frozen=True)
class Scores:
    """Pairwise and B-cubed scores of a clustering."""

    accounts: int
    precision: float
    recall: float
    f1: float
    true_positives: int  # pairs in one predicted cluster and one true person
    false_positives: int  # pairs in one predicted cluster but different persons
    false_negatives: int  # pairs of one person split over predicted clusters
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float


def load_truth(workspace: Workspace, scenario_dir: Path) -> dict[str, str]:
    """``uid -> person_id`` of every truth row whose file was ingested into the vault.

    Each row's ``file`` is matched to the dataset whose manifest lists a source of
    that name; rows of files not in the vault are skipped (and counted in the log).
    """
    path = scenario_dir / TRUTH_ACCOUNTS
    datasets: dict[str, str] = {}
    for manifest in Vault(workspace).manifests():
        for source in manifest.sources:
            # a truth file may also have arrived as a member of an archive
            for name in (source.name, *source.members):
                datasets.setdefault(Path(name).name, manifest.dataset_id)
    truth: dict[str, str] = {}
    skipped = 0
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in _NEEDED if c not in (reader.fieldnames or [])]
            if missing:
                raise InputError(
                    f"columns {', '.join(missing)} are missing",
                    path=path,
                    line=1,
                    hint="Give the folder of a scenario written by `intercop synth`",
                )
            for row in reader:
                dataset_id = datasets.get(Path(row["file"]).name)
                if dataset_id is None:
                    skipped += 1
                    continue
                truth[uid(dataset_id, row["account_key"])] = row["person_id"]
    except FileNotFoundError as exc:
        raise InputError(
            "no ground truth here",
            path=path,
            hint="Give the folder of a scenario written by `intercop synth`",
        ) from exc
    if skipped:
        log.info("%d truth rows name files that are not in the vault: skipped", skipped)
    return truth


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def _ratio(num: float, den: float) -> float:
    # no pairs predicted (or none true) means nothing was wrong (or missed)
    return num / den if den else 1.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def score(predicted: dict[str, str], truth: dict[str, str]) -> Scores:
    """Pairwise and B-cubed scores of ``predicted`` (uid -> cluster) against ``truth``.

    Args:
        predicted: cluster (person) id of each account; missing accounts are singletons.
        truth: true person id of each account; the scored universe.

    Returns:
        The scores; precision and recall are 1.0 when there is no pair to judge.
    """
    joint: Counter[tuple[str, str]] = Counter()
    for account, person in truth.items():
        # a missing account is its own cluster; the prefix keeps it apart from real ids
        cluster = predicted.get(account)
        joint[(cluster if cluster is not None else f"\0{account}", person)] += 1
    pred_sizes: Counter[str] = Counter()
    true_sizes: Counter[str] = Counter()
    for (cluster, person), n in joint.items():
        pred_sizes[cluster] += n
        true_sizes[person] += n
    tp = sum(_pairs(n) for n in joint.values())
    pred_pairs = sum(_pairs(n) for n in pred_sizes.values())
    true_pairs = sum(_pairs(n) for n in true_sizes.values())
    precision, recall = _ratio(tp, pred_pairs), _ratio(tp, true_pairs)
    total = len(truth)
    b_precision = _ratio(sum(n * n / pred_sizes[c] for (c, _), n in joint.items()), total)
    b_recall = _ratio(sum(n * n / true_sizes[p] for (_, p), n in joint.items()), total)
    return Scores(
        accounts=total,
        precision=precision,
        recall=recall,
        f1=_f1(precision, recall),
        true_positives=tp,
        false_positives=pred_pairs - tp,
        false_negatives=true_pairs - tp,
        bcubed_precision=b_precision,
        bcubed_recall=b_recall,
        bcubed_f1=_f1(b_precision, b_recall),
    )
