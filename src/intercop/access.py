"""Who may do what: users, their roles and agencies, and the check before every action.

Roles follow the issue: an *analyst* triages and prepares, an *officer* decides on
cases and sends, a *supervisor* approves campaigns and pilots (the second pair of
eyes), an *admin* manages users, an *auditor* reads the audit log, a *partner* (a
game company, a security firm) only uses the partner API. The table ``ACTIONS`` is
the single place that says which role may do which action.
"""

from __future__ import annotations

import logging
import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intercop.audit import record
from intercop.errors import IntercopError
from intercop.settings import get_settings
from intercop.store.models import ROLES, User

log = logging.getLogger(__name__)

#: action -> roles allowed to do it
ACTIONS: dict[str, frozenset[str]] = {
    "user.manage": frozenset({"admin"}),
    "triage.run": frozenset({"analyst", "officer", "supervisor"}),
    "case.read": frozenset({"analyst", "officer", "supervisor", "auditor"}),
    "case.decide": frozenset({"officer", "supervisor"}),
    "campaign.create": frozenset({"analyst", "officer", "supervisor"}),
    "campaign.approve": frozenset({"supervisor"}),
    "campaign.send": frozenset({"officer", "supervisor"}),
    "pilot.create": frozenset({"supervisor"}),
    "pilot.assign": frozenset({"analyst", "supervisor"}),
    "outcome.record": frozenset({"analyst", "officer", "supervisor"}),
    "contact.import": frozenset({"analyst", "officer", "supervisor"}),
    "evaluate.run": frozenset({"analyst", "officer", "supervisor", "auditor"}),
    "audit.read": frozenset({"auditor", "admin"}),
    "person.read": frozenset({"analyst", "officer", "supervisor", "auditor"}),
    "person.reveal": frozenset({"analyst", "officer", "supervisor"}),
    "agency.manage": frozenset({"admin", "supervisor"}),
    "exchange.export": frozenset({"officer", "supervisor"}),
    "exchange.import": frozenset({"officer", "supervisor"}),
    "exchange.authorise": frozenset({"supervisor"}),
    "pprl.encode": frozenset({"analyst", "officer", "supervisor"}),
    "pprl.match": frozenset({"analyst", "officer", "supervisor"}),
    "pprl.resolve": frozenset({"analyst", "officer", "supervisor"}),
    # issue 6: the partner API, and API tokens (a user may also manage their own)
    "signal.submit": frozenset({"partner"}),
    "signal.review": frozenset({"analyst", "officer", "supervisor"}),
    "delivery.fetch": frozenset({"partner"}),
    "token.manage": frozenset({"admin"}),
    # issue 7: lawful processing (retention, the DPO's export of the log)
    "retention.enforce": frozenset({"admin", "supervisor"}),
    "audit.export": frozenset({"auditor"}),
    # issue 7: sharing (distribution levels) and the shared knowledge base
    "share.set": frozenset({"supervisor"}),
    "knowledge.add": frozenset({"analyst", "officer", "supervisor"}),
    "knowledge.read": frozenset({"analyst", "officer", "supervisor", "admin", "auditor"}),
}

#: a role that may act for every other role below it (an approval an officer may give,
#: a supervisor may give too)
RANK = {"partner": 0, "auditor": 0, "analyst": 1, "officer": 2, "supervisor": 3, "admin": 0}

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
_AGENCY = re.compile(r"^[A-Z]{2}$|^NETWORK$")


class AccessError(IntercopError):
    """The acting user is unknown, inactive, or not allowed to do this."""


def acting_user(session: Session, name: str | None) -> User:
    """The user a command runs as: ``name`` (``--user``), else ``INTERCOP_USER``."""
    name = name or get_settings().user
    if not name:
        raise AccessError(
            "this command needs a user",
            hint="Pass --user NAME or set INTERCOP_USER (add users with 'intercop user add')",
        )
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise AccessError(
            f"no user {name!r} in the case store",
            hint="Add the user with 'intercop user add NAME --role ROLE --agency CC'",
        )
    if not user.active:
        raise AccessError(f"user {name!r} is deactivated", hint="Ask an admin to reactivate it")
    return user


def allowed(user: User, action: str, agency: str | None = None) -> bool:
    """Whether ``user`` may do ``action`` (in ``agency``, when the action concerns one)."""
    roles = ACTIONS.get(action)
    if roles is None:
        raise KeyError(f"unknown action {action!r}")
    if user.role not in roles:
        return False
    return agency is None or agency == user.agency or user.agency == "NETWORK"


def require(session: Session, name: str | None, action: str, agency: str | None = None) -> User:
    """The acting user, refused with a clear reason unless their role allows ``action``."""
    user = acting_user(session, name)
    if user.role not in ACTIONS[action]:
        roles = ", ".join(sorted(ACTIONS[action]))
        raise AccessError(
            f"user {user.name!r} is {user.role}: '{action}' needs the role {roles}",
            hint="Run the command as a user with that role (--user NAME)",
        )
    if not allowed(user, action, agency):
        raise AccessError(
            f"user {user.name!r} belongs to agency {user.agency}, not {agency}",
            hint="Run the command as a user of that agency",
        )
    return user


def require_rank(user: User, role: str, what: str) -> None:
    """Refuse unless ``user``'s role is ``role`` or a role above it (for approvals)."""
    if RANK.get(user.role, 0) < RANK[role]:
        raise AccessError(
            f"{what} must be approved by a {role} or above; {user.name!r} is {user.role}",
            hint=f"Ask a {role} of the agency to approve it",
        )


def add_user(
    session: Session, name: str, role: str, agency: str, *, acting: str | None = None
) -> User:
    """Add a user. While the store has no admin, anyone may (bootstrap); then only admins.

    The caller commits.
    """
    if not _NAME.match(name):
        raise AccessError(
            f"user name {name!r} is not valid",
            hint="Use lower-case letters, digits, '.', '_' or '-' (at most 100)",
        )
    if role not in ROLES:
        raise AccessError(f"unknown role {role!r}", hint=f"Choose one of {', '.join(ROLES)}")
    agency = agency.upper()
    if not _AGENCY.match(agency):
        raise AccessError(
            f"agency {agency!r} is not a two-letter country code",
            hint="Give the ISO 3166 code of the agency's country, e.g. NL",
        )
    admins = session.scalar(select(func.count()).select_from(User).where(User.role == "admin"))
    if admins:
        creator = require(session, acting, "user.manage").name
    else:
        creator = acting or get_settings().user or "bootstrap"
    if session.scalar(select(User).where(User.name == name)) is not None:
        raise AccessError(f"user {name!r} exists already", hint="Choose another name")
    user = User(name=name, role=role, agency=agency, active=True, created_by=creator)
    session.add(user)
    record(
        session,
        creator,
        "user.add",
        agency=agency,
        object_type="user",
        object_id=name,
        detail={"role": role, "bootstrap": not admins},
    )
    log.info("user %s (%s, %s) added by %s", name, role, agency, creator)
    return user


def list_users(session: Session) -> list[User]:
    """Every user, by name."""
    return list(session.scalars(select(User).order_by(User.name)))
