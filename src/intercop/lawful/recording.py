"""Audit entries for collection and combination that the CLI's ingest and resolve write.

Both run without a named user (a batch job may ingest): the entry is written as
``INTERCOP_USER``, else ``system``.
"""

from __future__ import annotations

from typing import Any

from intercop.audit import record
from intercop.evidence.manifest import Manifest
from intercop.settings import get_settings
from intercop.store.database import Store

SYSTEM = "system"


def actor() -> str:
    """The user an unattended step is recorded as."""
    return get_settings().user or SYSTEM


def record_ingest(store: Store, manifest: Manifest) -> None:
    """Log the collection of a new dataset (``dataset.ingest``), with its legal basis."""
    with store.session() as session:
        record(session, actor(), "dataset.ingest", agency=manifest.agency,
               object_type="dataset", object_id=manifest.dataset_id,
               reason=manifest.legal_basis or None,
               detail={"platform": manifest.platform, "kind": manifest.kind,
                       "seized_on": manifest.seized_on, "canonical": manifest.canonical,
                       "retention_until": manifest.retention_until})  # fmt: skip
        session.commit()


def record_resolve(store: Store, summary: dict[str, Any]) -> None:
    """Log a resolve run (``identity.resolve``): data of all datasets combined."""
    keep = ("persons", "accounts", "links", "strong_links", "model_links", "judgements",
            "engine")  # fmt: skip
    with store.session() as session:
        record(
            session,
            actor(),
            "identity.resolve",
            object_type="resolve",
            detail={k: summary[k] for k in keep if k in summary},
        )
        session.commit()
