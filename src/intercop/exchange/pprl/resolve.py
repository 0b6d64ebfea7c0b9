"""Resolving the opaque refs of a match result on one's own side only.

A ref is an HMAC of the person id under a key derived from the workspace key, which
never leaves the workspace: each side recomputes the refs of its own persons and
looks them up; the partner's refs stay opaque.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from intercop.exchange.pprl.errors import EncodingFileError
from intercop.exchange.pprl.match import RESULT_FORMAT
from intercop.exchange.pprl.secret import reference, reference_key


@dataclass(frozen=True)
class ResolvedPair:
    """A matched pair seen from one side: own person, the partner's opaque ref, score."""

    ref: str
    person_id: str
    side: str
    partner_ref: str
    score: float

    def as_json(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "person_id": self.person_id,
            "side": self.side,
            "partner_ref": self.partner_ref,
            "score": self.score,
        }


def read_result(path: Path) -> dict[str, Any]:
    """A result written by ``match --pairs``."""
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise EncodingFileError(f"{path} does not exist") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EncodingFileError(f"{path} is not JSON ({exc})") from exc
    if not isinstance(data, dict) or data.get("format") != RESULT_FORMAT:
        raise EncodingFileError(f"{path} is not a PPRL match result")
    if "pairs" not in data:
        raise EncodingFileError(
            f"{path} holds only the count", hint="Run `match` with --pairs to get pairs to resolve"
        )
    return data


def resolve_pairs(
    result: dict[str, Any], workspace_key: bytes, person_ids: list[str]
) -> list[ResolvedPair]:
    """The pairs of ``result`` whose ref (side a or b) is one of ``person_ids``'s refs."""
    key = reference_key(workspace_key, str(result["secret_fingerprint"]))
    own = {reference(key, pid): pid for pid in person_ids}
    out: list[ResolvedPair] = []
    for ref_a, ref_b, score in result["pairs"]:
        for side, mine, theirs in (("a", ref_a, ref_b), ("b", ref_b, ref_a)):
            if mine in own:
                out.append(ResolvedPair(mine, own[mine], side, theirs, float(score)))
    return out
