"""The letter channel: one PDF per message, and a merged print file per campaign.

``<workspace>/letters/<campaign>/<key>.pdf`` is written through a temporary name and
renamed, so a delivery is all or nothing and a second one is a no-op; ``finish`` merges
every letter of the campaign, in key order, into ``print-<campaign>.pdf``.
"""

from __future__ import annotations

import os
from pathlib import Path

from intercop.outreach.channels.base import SENT, ChannelConfig, Envelope, Result, safe_key
from intercop.workspace import Workspace

PRINT_PREFIX = "print-"


def letters_root(workspace: Workspace) -> Path:
    """Where letters are written by default."""
    return workspace.root / "letters"


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class LetterChannel:
    """PDF letters for printing and posting; idempotent."""

    name = "letter"
    idempotent = True

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def build(cls, workspace: Workspace, config: ChannelConfig) -> LetterChannel:
        """Letters under ``config.letters_dir`` or ``<workspace>/letters``."""
        return cls(config.letters_dir or letters_root(workspace))

    def open(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, campaign: str, message_id: str) -> Path:
        """The PDF of one message."""
        return self.root / campaign / f"{safe_key(message_id)}.pdf"

    def print_file(self, campaign: str) -> Path:
        """The merged print file of a campaign."""
        return self.root / campaign / f"{PRINT_PREFIX}{campaign}.pdf"

    def delivered(self, message_id: str) -> bool:
        key = f"{safe_key(message_id)}.pdf"
        return any((folder / key).exists() for folder in self.root.glob("*") if folder.is_dir())

    def deliver(self, envelope: Envelope) -> Result:
        from intercop.outreach.letters import render_letter

        target = self.path(envelope.campaign, envelope.message_id)
        if target.exists():
            return SENT
        target.parent.mkdir(parents=True, exist_ok=True)
        pdf = render_letter(
            envelope.rendered, address_lines=envelope.address_lines, agency=envelope.agency
        )
        _write_atomically(target, pdf)
        return SENT

    def flush(self) -> None:
        """Nothing to wait for: each delivery is complete when ``deliver`` returns."""

    def finish(self, campaign: str) -> None:
        from intercop.outreach.letters import merge_letters

        folder = self.root / campaign
        letters = sorted(p for p in folder.glob("*.pdf") if not p.name.startswith(PRINT_PREFIX))
        if letters:
            _write_atomically(
                self.print_file(campaign), merge_letters([p.read_bytes() for p in letters])
            )

    def close(self) -> None:
        """Nothing to close."""
