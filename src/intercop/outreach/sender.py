"""Sending a campaign exactly once per person, campaign and channel, across crashes.

Each message row moves ``pending -> sending -> sent`` (or ``failed``/``deferred``/
``suppressed``/``in_doubt``), and the move to ``sending`` is committed *before* the
channel is called. A restart finds rows left in ``sending``:

* on an idempotent channel (outbox, letter, webhook) it asks ``delivered`` and marks the
  row sent, or puts it back to pending (delivering again is a no-op or deduplicated), so
  such channels commit in batches;
* on SMTP nobody can say whether the server took the message, so the row becomes
  ``in_doubt``: reported, never resent unless asked (``resend_in_doubt``). The outcome of
  message *n* and the ``sending`` mark of message *n + 1* share one commit, so at most one
  message per crash is in doubt.
"""

from __future__ import annotations

import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intercop.access import require
from intercop.audit import record
from intercop.casework.agencies import Agency
from intercop.casework.cases import TRANSITIONS, transition
from intercop.errors import IntercopError
from intercop.outreach.channels.base import (
    Channel,
    ChannelError,
    Delivery,
    Envelope,
    Result,
)
from intercop.outreach.facts import Facts
from intercop.outreach.mime import compose, ref_of
from intercop.outreach.ratelimit import Rate, RateLimiter
from intercop.outreach.render import Rendered, Templates
from intercop.outreach.suppression import suppressed_hashes
from intercop.store import Store
from intercop.store.base import utc_now
from intercop.store.models import Campaign, Case, Message, PilotAssignment

log = logging.getLogger(__name__)

FactsSource = Callable[[Sequence[str]], Mapping[str, Facts]]
Progress = Callable[[int, int], None]

TO_SEND = ("pending", "deferred")
SENDABLE_CAMPAIGN = ("approved", "sending", "sent")
OUTCOMES = ("sent", "failed", "deferred", "suppressed", "in_doubt")
NO_FACTS = "no facts for this person in the workspace (was it resolved again?)"


class SendError(IntercopError):
    """A campaign cannot be sent (not approved, cancelled, unknown)."""

    hint = "See `intercop campaign status ID`"


@dataclass(frozen=True)
class SendOptions:
    """How a send run behaves."""

    rate: Rate | None = None
    max_attempts: int = 3  # tries per message in one run before it is deferred
    backoff: float = 1.0  # seconds before the first retry; doubled each time
    backoff_max: float = 60.0
    resend_in_doubt: bool = False
    dry_run: bool = False
    batch: int = 500  # rows per commit on idempotent channels
    chunk: int = 2000  # rows read (and their facts fetched) at a time


@dataclass
class SendReport:
    """What a send run did."""

    campaign: int
    channel: str
    dry_run: bool = False
    counts: Counter[str] = field(default_factory=Counter)
    by_locale: Counter[str] = field(default_factory=Counter)
    reconciled: Counter[str] = field(default_factory=Counter)
    in_doubt: list[str] = field(default_factory=list)  # Message-IDs
    retries: int = 0
    seconds: float = 0.0
    finished: bool = False

    @property
    def rate(self) -> float:
        """Messages handed to the channel per second."""
        return self.counts["sent"] / self.seconds if self.seconds > 0 else 0.0

    def as_json(self) -> dict[str, Any]:
        """The report as plain data."""
        return {
            "campaign": self.campaign,
            "channel": self.channel,
            "dry_run": self.dry_run,
            **{k: self.counts[k] for k in OUTCOMES},
            "in_doubt_message_ids": self.in_doubt,
            "rendered": self.counts["rendered"],
            "retries": self.retries,
            "reconciled": dict(self.reconciled),
            "by_locale": dict(sorted(self.by_locale.items())),
            "seconds": round(self.seconds, 3),
            "rate_per_s": round(self.rate, 1),
            "finished": self.finished,
        }


@dataclass(frozen=True)
class Content:
    """What turns a message row into a message: templates, facts and the signing agency."""

    templates: Templates
    facts: FactsSource
    agency: Agency
    intervention: str
    sent_on: date | None = None

    def envelope(self, row: Message, facts: Facts, *, locale: str | None = None) -> Envelope:
        """Render the message of ``row`` for its person and wrap it for a channel."""
        ref = ref_of(row.message_id)
        rendered: Rendered = self.templates.render(
            self.intervention,
            locale or row.locale,
            facts=facts,
            agency=self.agency,
            recipient=row.recipient_kind,
            reference=ref,
            sent_on=self.sent_on or date.today(),
        )
        lines = tuple(line for line in row.address.split("\n") if line.strip())
        return Envelope(
            message_id=row.message_id,
            to=lines[0] if lines else row.address,
            rendered=rendered,
            recipient_kind=row.recipient_kind,
            person_id=row.person_id,
            campaign=str(row.campaign_id),
            agency=self.agency,
            ref=ref,
            address_lines=lines if row.channel == "letter" else (),
        )


class Sender:
    """Sends the messages of one campaign through one channel."""

    def __init__(
        self,
        store: Store,
        channel: Channel,
        content: Content,
        options: SendOptions,
        *,
        user: str | None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.store = store
        self.channel = channel
        self.content = content
        self.options = options
        self.user = user
        self.acting = ""  # the resolved user name, set when the run starts
        self.clock = clock
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.progress = progress
        self.limiter = RateLimiter(options.rate, clock=clock, sleep=sleep) if options.rate else None
        self._pilot_rows: dict[str, PilotAssignment] = {}
        self._cases: dict[int, Case] = {}  # the cases of the chunk being sent

    # -- the run ------------------------------------------------------------------------

    def send(self, campaign_id: int) -> SendReport:
        """Send every message of the campaign still to send; returns the run's report."""
        started = self.clock()
        report = SendReport(campaign_id, self.channel.name, dry_run=self.options.dry_run)
        with self.store.session() as session:
            campaign = self._campaign(session, campaign_id)
            self.acting = require(session, self.user, "campaign.send", campaign.agency).name
            if not self.options.dry_run:
                self._reconcile(session, campaign, report)
                if campaign.state == "approved":
                    campaign.state = "sending"
                session.commit()
            self._load_pilot(session, campaign)
            suppressed = suppressed_hashes(session)
            total = (
                session.scalar(
                    select(func.count()).where(
                        Message.campaign_id == campaign_id, Message.status.in_(TO_SEND)
                    )
                )
                or 0
            )
            done = 0
            self.channel.open()
            try:
                for rows in self._chunks(session, campaign_id):
                    facts = self.content.facts([r.person_id for r in rows])
                    wanted = [r.case_id for r in rows if r.case_id is not None]
                    found = session.scalars(select(Case).where(Case.id.in_(wanted)))
                    self._cases = {c.id: c for c in found}
                    self._run_chunk(session, campaign, rows, facts, suppressed, report)
                    done += len(rows)
                    if self.progress:
                        self.progress(done, total)
            finally:
                self.channel.close()
            if not self.options.dry_run:
                self._finish(session, campaign, report)
        report.seconds = self.clock() - started
        return report

    def _campaign(self, session: Session, campaign_id: int) -> Campaign:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            raise SendError(f"no campaign {campaign_id}", hint="List them with the status command")
        if campaign.channel != self.channel.name:
            raise SendError(
                f"campaign {campaign_id} is for the {campaign.channel} channel, "
                f"not {self.channel.name}"
            )
        if campaign.state not in SENDABLE_CAMPAIGN and not self.options.dry_run:
            raise SendError(
                f"campaign {campaign_id} is {campaign.state}: only an approved campaign is sent",
                hint="A second person approves it with `intercop campaign approve ID`"
                if campaign.state == "draft"
                else "",
            )
        return campaign

    def _reconcile(self, session: Session, campaign: Campaign, report: SendReport) -> None:
        """Settle rows a killed run left in 'sending' (and in-doubt rows if asked to resend)."""
        stale = session.scalars(
            select(Message).where(Message.campaign_id == campaign.id, Message.status == "sending")
        ).all()
        for row in stale:
            known = self.channel.delivered(row.message_id) if self.channel.idempotent else None
            if known:
                self._mark_sent(session, campaign, row)
                report.reconciled["sent"] += 1
            elif self.channel.idempotent:
                row.status = "pending"  # delivering again is harmless on this channel
                report.reconciled["pending"] += 1
            else:
                row.status = "in_doubt"
                row.last_error = "the sender stopped after handing it to the server"
                report.reconciled["in_doubt"] += 1
                log.warning("message %s is in doubt after an interrupted run", row.message_id)
            row.updated_at = utc_now()
        if self.options.resend_in_doubt:
            doubtful = session.scalars(
                select(Message).where(
                    Message.campaign_id == campaign.id, Message.status == "in_doubt"
                )
            ).all()
            for row in doubtful:
                row.status = "pending"
                report.reconciled["resent_in_doubt"] += 1

    def _load_pilot(self, session: Session, campaign: Campaign) -> None:
        if campaign.pilot_id is None:
            return
        rows = session.scalars(
            select(PilotAssignment).where(PilotAssignment.pilot_id == campaign.pilot_id)
        )
        self._pilot_rows = {r.person_id: r for r in rows}

    def _chunks(self, session: Session, campaign_id: int) -> Iterator[list[Message]]:
        last = 0
        while True:
            rows = list(
                session.scalars(
                    select(Message)
                    .where(
                        Message.campaign_id == campaign_id,
                        Message.status.in_(TO_SEND),
                        Message.id > last,
                    )
                    .order_by(Message.id)
                    .limit(self.options.chunk)
                )
            )
            if not rows:
                return
            last = rows[-1].id
            yield rows

    # -- one chunk ----------------------------------------------------------------------

    def _run_chunk(
        self,
        session: Session,
        campaign: Campaign,
        rows: list[Message],
        facts: Mapping[str, Facts],
        suppressed: set[str],
        report: SendReport,
    ) -> None:
        ready: list[tuple[Message, Envelope]] = []
        for row in rows:
            if row.address_hash in suppressed:
                if not self.options.dry_run:
                    self._settle(session, campaign, row, Result(Delivery.PERMANENT), "suppressed")
                report.counts["suppressed"] += 1
                continue
            person = facts.get(row.person_id)
            if person is None:
                if not self.options.dry_run:
                    missing = Result(Delivery.PERMANENT, NO_FACTS)
                    self._settle(session, campaign, row, missing, "failed")
                report.counts["failed"] += 1
                continue
            envelope = self.content.envelope(row, person)
            report.counts["rendered"] += 1
            if self.options.dry_run:
                if row.channel in ("outbox", "smtp"):
                    compose(envelope)
                report.by_locale[envelope.rendered.locale] += 1
                continue
            ready.append((row, envelope))
        if self.options.dry_run:
            return
        session.commit()  # suppressed / failed rows above
        size = self.options.batch if self.channel.idempotent else 1
        outcomes: list[tuple[Message, Result]] = []
        for start in range(0, len(ready), size):
            batch = ready[start : start + size]
            # One commit settles the previous batch and marks this one 'sending'.
            self.channel.flush()
            self._apply(session, campaign, outcomes, report)
            now = utc_now()
            for row, _ in batch:
                row.status = "sending"
                row.updated_at = now
            session.commit()
            outcomes = []
            for index, (row, envelope) in enumerate(batch):
                try:
                    result = self._deliver(row, envelope, report)
                except ChannelError:
                    # The channel failed while connecting: this row was not handed over.
                    self._abandon(session, campaign, batch[index:], outcomes, report)
                    raise
                except BaseException:
                    # Interrupted while handing over this row: reconciled on the next run.
                    self._abandon(session, campaign, batch[index + 1 :], outcomes, report)
                    raise
                outcomes.append((row, result))
        self.channel.flush()
        self._apply(session, campaign, outcomes, report)
        session.commit()

    def _abandon(
        self,
        session: Session,
        campaign: Campaign,
        untried: list[tuple[Message, Envelope]],
        outcomes: list[tuple[Message, Result]],
        report: SendReport,
    ) -> None:
        """Before a run stops: settle what was done and put the untried rows back."""
        for row, _ in untried:
            row.status = "pending"
        try:
            self.channel.flush()
        except OSError:  # the run is stopping for the error being raised anyway
            # not known to be durable: left in 'sending', settled by the next run's reconcile
            log.warning("could not flush the channel; %d messages are reconciled next run",
                        len(outcomes))  # fmt: skip
        else:
            self._apply(session, campaign, outcomes, report)
        session.commit()

    def _deliver(self, row: Message, envelope: Envelope, report: SendReport) -> Result:
        """Hand one message to the channel, retrying transient failures with back-off."""
        result = Result(Delivery.TRANSIENT)
        for attempt in range(1, self.options.max_attempts + 1):
            if self.limiter:
                self.limiter.acquire()
            row.attempts += 1
            result = self.channel.deliver(envelope)
            if result.delivery is not Delivery.TRANSIENT:
                return result
            if attempt < self.options.max_attempts:
                report.retries += 1
                delay = min(self.options.backoff_max, self.options.backoff * 2 ** (attempt - 1))
                # "equal jitter": half fixed, half random, so retries of many senders spread
                self.sleep(delay / 2 + self.rng.uniform(0, delay / 2))
        return result

    def _apply(
        self,
        session: Session,
        campaign: Campaign,
        outcomes: list[tuple[Message, Result]],
        report: SendReport,
    ) -> None:
        status_of = {
            Delivery.SENT: "sent",
            Delivery.PERMANENT: "failed",
            Delivery.TRANSIENT: "deferred",
            Delivery.IN_DOUBT: "in_doubt",
        }
        for row, result in outcomes:
            status = status_of[result.delivery]
            self._settle(session, campaign, row, result, status)
            report.counts[status] += 1
            if status == "sent":
                report.by_locale[row.locale] += 1
            elif status == "in_doubt":
                report.in_doubt.append(row.message_id)

    def _settle(
        self, session: Session, campaign: Campaign, row: Message, result: Result, status: str
    ) -> None:
        row.updated_at = utc_now()
        if status == "sent":
            self._mark_sent(session, campaign, row)
            return
        row.status = status
        row.last_error = result.detail or None

    def _mark_sent(self, session: Session, campaign: Campaign, row: Message) -> None:
        now = utc_now()
        row.status = "sent"
        row.sent_at = now
        row.last_error = None
        row.updated_at = now
        if row.case_id is not None:
            case = self._cases.get(row.case_id) or session.get(Case, row.case_id)
            if case is not None and "contacted" in TRANSITIONS.get(case.state, frozenset()):
                transition(
                    session,
                    case,
                    "contacted",
                    self.acting,
                    f"{campaign.intervention} sent through {campaign.channel} "
                    f"(campaign {campaign.id})",
                    detail={"campaign": campaign.id, "message": row.message_id},
                    audit=False,
                )
        assignment = self._pilot_rows.get(row.person_id)
        if assignment is not None and assignment.t0 is None:
            assignment.t0 = now

    def _finish(self, session: Session, campaign: Campaign, report: SendReport) -> None:
        left = session.scalar(
            select(func.count()).where(
                Message.campaign_id == campaign.id,
                Message.status.in_((*TO_SEND, "sending")),
            )
        )
        report.finished = not left
        if report.finished:
            campaign.state = "sent"
            self._start_the_rest(session, campaign)
        record(
            session,
            self.acting,
            "campaign.send",
            agency=campaign.agency,
            object_type="campaign",
            object_id=str(campaign.id),
            detail={
                "channel": campaign.channel,
                **{k: report.counts[k] for k in OUTCOMES},
                "reconciled": dict(report.reconciled),
                "finished": report.finished,
            },
        )
        session.commit()
        if report.finished:
            self.channel.finish(str(campaign.id))

    def _start_the_rest(self, session: Session, campaign: Campaign) -> None:
        """When a pilot's campaign has been sent, every member still without a t0 gets one.

        The other arms start then (their "treatment", nothing, happened), and so do the
        members of this arm it could not reach (no address, suppressed, failed): an
        intention-to-treat analysis follows them from the same day as the rest of the arm.
        """
        if campaign.pilot_id is None:
            return
        now = utc_now()
        for row in session.scalars(
            select(PilotAssignment).where(
                PilotAssignment.pilot_id == campaign.pilot_id,
                PilotAssignment.t0.is_(None),
            )
        ):
            row.t0 = now
