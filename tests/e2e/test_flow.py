"""The analyst's day in a real browser: queue -> approve -> campaign -> person -> reveal."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from intercop.audit import verify
from intercop.store.models import AuditEntry, Case
from tests.e2e.conftest import LiveServer, Shots, sign_in

pytestmark = pytest.mark.e2e

REASON = "Confirmed booter customer, first offence (browser test)"
REVEAL_REASON = "Preparing the home visit: need the e-mail address"
#: the intervention whose cases the flow approves and campaigns for (sent by e-mail)
INTERVENTION = "warning_email"


def select_first_case(page: Any) -> tuple[str, str]:
    """Tick the first case of the queue; returns its (case id, person id)."""
    row = page.locator("#queue tbody tr").filter(has=page.locator("input[name=case]")).first
    row.locator("input[name=case]").check()
    cells = row.locator("td")
    return cells.nth(1).inner_text().strip(), cells.nth(2).inner_text().strip()


def approve_selected(page: Any, reason: str) -> None:
    """Confirm what the intervention asks to confirm, give the reason, press Approve."""
    for box in page.locator("#queue input[name=confirm]").all():
        box.check()
    page.fill("#queue input[name=reason]", reason)
    page.click("#queue button[name=decision][value=approve]")


def state_of(live: LiveServer, case_id: str) -> str:
    with live.app.state.web.store.session() as session:
        case = session.get(Case, int(case_id))
        assert case is not None
        return str(case.state)


def test_queue_approve_campaign_person_reveal(page: Any, live: LiveServer, shots: Shots) -> None:
    sign_in(page, "sam")  # a supervisor: decides cases, creates campaigns, may reveal

    # Triage queue, filtered to one intervention through the filter form (hx.js swap)
    page.goto("/queue")
    shots(page, "queue")
    page.select_option("form.filters select[name=intervention]", INTERVENTION)
    page.click("form.filters button[type=submit]")
    page.wait_for_url(f"**/queue?*intervention={INTERVENTION}*")
    assert page.locator("#queue tbody tr input[name=case]").count() > 0, "no case to approve"
    case_id, person_id = select_first_case(page)
    approve_selected(page, REASON)
    page.locator("#queue [role=status]").wait_for()
    assert "approved" in page.locator("#queue [role=status]").inner_text()
    shots(page, "approved")
    assert state_of(live, case_id) == "approved"

    # The case page shows the decision and its reason
    page.goto(f"/cases/{case_id}")
    assert REASON in page.locator("main").inner_text()

    # A campaign for the intervention: its page previews the messages per locale
    page.goto("/campaigns")
    page.fill("form[action='/campaigns'] input[name=name]", "Browser test warnings")
    page.select_option("form[action='/campaigns'] select[name=intervention]", INTERVENTION)
    page.click("form[action='/campaigns'] button[type=submit]")
    page.wait_for_url("**/campaigns/*")
    previews = page.locator("#previews article")
    assert previews.count() > 0, page.locator("main").inner_text()[:2000]
    assert previews.first.locator("pre").first.inner_text().strip()
    shots(page, "campaign-preview")

    # The person page: identifiers masked until revealed with a reason
    page.goto(f"/persons/{person_id}")
    masked = page.content()
    shots(page, "person")
    page.click("#reveal details summary")
    page.select_option("#reveal select[name=field]", "all")
    page.fill("#reveal textarea[name=reason]", REVEAL_REASON)
    page.click("#reveal form button[type=submit]")
    shown = page.locator("#reveal [role=status] td code")
    shown.first.wait_for()
    values = [v for v in shown.all_inner_texts() if v.strip()]
    unmasked = [v for v in values if v not in masked]
    assert unmasked, f"no unmasked value among {values}"
    shots(page, "revealed")

    # ... recorded with its reason in the hash-chained audit log
    with live.app.state.web.store.session() as session:
        entries = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "person.reveal", AuditEntry.object_id == person_id
            )
        ).all()
        assert [(e.user_name, e.reason) for e in entries] == [("sam", REVEAL_REASON)]
        assert entries[0].origin.startswith("web:127.0.0.1")
        assert verify(session).ok
    # ... and in the person's own audit trail on the page
    page.goto(f"/persons/{person_id}")
    assert "person.reveal" in page.locator("main").inner_text()


def test_approve_with_plain_forms_without_javascript(
    plain_page: Any, live: LiveServer, shots: Shots
) -> None:
    page = plain_page
    sign_in(page, "olle")  # an officer decides cases (a warning e-mail is an officer's call)
    page.goto("/queue")
    page.select_option("form.filters select[name=intervention]", INTERVENTION)
    page.click("form.filters button[type=submit]")  # a plain GET form
    page.wait_for_url(f"**/queue?*intervention={INTERVENTION}*")
    case_id, _ = select_first_case(page)
    approve_selected(page, REASON)
    page.wait_for_url("**/queue?*done=approved*")  # a real POST answered 303 -> GET
    assert "approved" in page.locator("#queue [role=status]").inner_text()
    shots(page, "approved")
    assert state_of(live, case_id) == "approved"


def test_reveal_needs_a_reason(page: Any, live: LiveServer, shots: Shots) -> None:
    sign_in(page, "ana")
    page.goto("/queue")
    person_id = page.locator("#queue tbody tr td:nth-child(3) a").first.inner_text().strip()
    page.goto(f"/persons/{person_id}")
    page.click("#reveal details summary")
    # bypass the browser's own minlength check: the server must refuse by itself
    page.locator("#reveal textarea[name=reason]").evaluate("e => e.removeAttribute('minlength')")
    page.fill("#reveal textarea[name=reason]", "because")
    page.click("#reveal form button[type=submit]")
    page.locator("#reveal [role=alert]").wait_for()
    assert page.locator("#reveal [role=status]").count() == 0
    shots(page, "refused")
    with live.app.state.web.store.session() as session:
        assert not session.scalars(
            select(AuditEntry).where(AuditEntry.action == "person.reveal")
        ).all()
