"""Every route x every role x own/other agency, generated from the app's route table.

A route must declare exactly one ``Access`` (or, on an allow-list, ``Public``; or
``Peer`` for server-to-server routes, which only answer an unsigned call with 401); every
path parameter must have a value in ``OBJECTS``, so a new route cannot escape this
test. Each role is played by a user of agency NL (*own*: the NL object) and by a user
of the same role in agency FI (*other*: the same NL object, which FI may not see).

Expected: a role the route does not admit gets 401/403; an admitted role never gets
401/403; an admitted role of the other agency gets 404 for an object in the path; an
admitted role of the own agency never gets 404 on a GET; nothing answers 500. POSTs are
sent with an empty body (and a valid CSRF token or a write token), so an admitted role
may get 422 from validation, which runs before the object is looked up and so tells
nothing about it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.routing import Mount, Route

from intercop.access import add_user
from intercop.auth.passwords import set_password
from intercop.auth.sessions import csrf_token, session_id
from intercop.auth.tokens import create_token
from intercop.casework.interventions import load_catalogue
from intercop.casework.pilots import arms_for_control, create_pilot
from intercop.partner.signals import submit_signal
from intercop.store.models import Campaign, Case, PartnerDelivery, User, WebSession
from intercop.visibility import visibility_for
from intercop.web.peers import Peer
from intercop.web.viewer import SESSION_COOKIE, Access, Public
from tests.web.conftest import PASSWORD, Web

pytestmark = pytest.mark.slow

ROLES = ("admin", "supervisor", "analyst", "officer", "auditor", "partner")
#: role -> (user of NL, user of FI); the FI users not in conftest are added here
PLAYERS = {
    "admin": ("adm", "fi-adm"),
    "supervisor": ("sam", "fi-sam"),
    "analyst": ("ana", "fia"),
    "officer": ("olle", "fin"),
    "auditor": ("aud", "fi-aud"),
    "partner": ("gamer", "fi-gamer"),
}
#: the only routes anyone may call without signing in
PUBLIC = {("GET", "/login"), ("POST", "/login"), ("GET", "/lang/{code}")}
#: routes that end the caller's session: sign in again afterwards
ENDS_SESSION = {"/logout"}


def declarations(route: Any) -> list[Access | Public | Peer]:
    """Every distinct Access/Public/Peer instance among the route's (sub-)dependencies."""
    found: dict[int, Access | Public | Peer] = {}
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if isinstance(dep.call, Access | Public | Peer):
            found[id(dep.call)] = dep.call
        stack.extend(dep.dependencies)
    return list(found.values())


def route_table(app: Any) -> Iterator[Any]:
    """Every route as served, with its full path and dependencies (included routers too)."""
    yield from iter_route_contexts(app.routes)


def api_routes(app: Any) -> Iterator[tuple[str, Any]]:
    for route in route_table(app):
        if isinstance(route.original_route, APIRoute):
            for method in sorted(route.methods):
                yield method, route


def test_route_table_declares_access(web: Web) -> None:
    problems = []
    served = 0
    for route in route_table(web.app):
        original = route.original_route
        if isinstance(original, Mount):
            if route.path != "/static":
                problems.append(f"mount {route.path}: only /static may be mounted")
        elif isinstance(original, APIRoute):
            served += 1
            found = declarations(route)
            if len(found) != 1:
                problems.append(f"{route.path}: {len(found)} Access/Public/Peer declarations")
            elif isinstance(found[0], Public) and not all(
                (m, route.path) in PUBLIC for m in route.methods
            ):
                problems.append(f"{route.path}: Public() but not on the allow-list")
        elif isinstance(original, Route):
            if route.path != web.app.openapi_url:
                problems.append(f"{route.path}: a plain route outside the route table")
        else:
            problems.append(f"{route.path}: an unexpected kind of route {type(original)}")
    assert not problems, "\n".join(problems)
    assert served > 30


@dataclass
class Player:
    name: str
    role: str
    agency: str
    client: TestClient
    token: str


def _objects(web: Web) -> dict[str, str]:
    """name -> value of an NL object for every path parameter of the app."""
    store = web.app.state.web.store
    with store.session() as session:
        for name in ("fi-adm", "fi-sam", "fi-aud", "fi-gamer"):
            role = next(r for r, (_, fi) in PLAYERS.items() if fi == name)
            add_user(session, name, role, "FI", acting="adm")
            session.commit()
            set_password(session, name, PASSWORD, "adm")
        session.commit()
        fi_sees = visibility_for(web.workspace, session, "FI")
        nl_sees = visibility_for(web.workspace, session, "NL")
        person = sorted(nl_sees.person_ids - fi_sees.person_ids)[0]
        dataset = sorted(nl_sees.dataset_ids)[0]
        case = session.scalar(
            select(Case)
            .where(Case.agency == "NL", Case.person_id.not_in(fi_sees.person_ids))
            .order_by(Case.id)
        )
        assert case is not None and case.intervention is not None
        pilot = create_pilot(
            session,
            "sam",
            name="matrix pilot",
            intervention=case.intervention,
            arms=arms_for_control(0.5),
            strata=(),
            seed=7,
            agency="NL",
            catalogue=load_catalogue(None),
        )
        campaign = Campaign(
            name="matrix campaign",
            agency="NL",
            intervention=case.intervention,
            channel="outbox",
            state="draft",
            created_by="ana",
        )
        session.add(campaign)
        gamer = session.scalar(select(User).where(User.name == "gamer"))
        assert gamer is not None
        signal, _ = submit_signal(session, gamer, "ip", "192.0.2.7")
        delivery = PartnerDelivery(partner="gamer", payload=json.dumps({"subject": "hi"}))
        session.add(delivery)
        session.commit()
        return {
            "person_id": person,
            "dataset_id": dataset,
            "case_id": str(case.id),
            "campaign_id": str(campaign.id),
            "pilot_id": str(pilot.id),
            "signal_id": str(signal.id),
            "delivery_id": str(delivery.id),
            "code": "nl",
        }


def _players(web: Web) -> dict[tuple[str, str], Player]:
    made: dict[tuple[str, str], tuple[str, str, str]] = {}
    with web.app.state.web.store.session() as session:
        for role, names in PLAYERS.items():
            for name, side in zip(names, ("own", "other"), strict=True):
                scope = "partner" if role == "partner" else "write"
                token, _ = create_token(session, name, scope, acting=name)
                user = session.scalar(select(User).where(User.name == name))
                assert user is not None
                made[(role, side)] = (name, user.agency, token)
        session.commit()
    return {
        key: Player(name, key[0], agency, web.login(name), token)
        for key, (name, agency, token) in made.items()
    }


def _csrf(web: Web, client: TestClient) -> str:
    cookie = client.cookies.get(SESSION_COOKIE)
    assert cookie is not None
    with web.app.state.web.store.session() as session:
        row = session.get(WebSession, session_id(cookie))
        assert row is not None
        return csrf_token(row)


def _call(web: Web, player: Player, method: str, path: str) -> int:
    if path.startswith("/api/"):
        headers = {"Authorization": f"Bearer {player.token}"}
        answer = web.client.request(
            method, path, headers=headers, json={} if method == "POST" else None
        )
    else:
        headers = {} if method == "GET" else {"x-csrf-token": _csrf(web, player.client)}
        answer = player.client.request(
            method,
            path,
            headers=headers,
            follow_redirects=False,
            data={} if method == "POST" else None,
        )
    return int(answer.status_code)


def test_every_route_every_role_both_agencies(web: Web) -> None:
    objects = _objects(web)
    players = _players(web)
    problems: list[str] = []
    calls = 0
    for method, route in api_routes(web.app):
        if (method, route.path) in PUBLIC:
            continue
        if any(isinstance(d, Peer) for d in declarations(route)):
            # server to server: no user or token reaches it, only an agency's signature
            admin = {"Authorization": f"Bearer {players[('admin', 'own')].token}"}
            for headers in ({}, admin):  # a user's token is no agency signature
                answer = web.client.request(method, route.path, content=b"{}", headers=headers)
                calls += 1
                if answer.status_code != 401:
                    problems.append(f"{method} {route.path} unsigned: {answer.status_code}")
            continue
        params = list(route.param_convertors)
        missing = [p for p in params if p not in objects]
        if missing:
            problems.append(f"{route.path}: no fixture value for {missing} in OBJECTS")
            continue
        (access,) = [d for d in declarations(route) if isinstance(d, Access)]
        path = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: objects[m.group(1)], route.path)
        for role in ROLES:
            for side in ("own", "other") if params else ("own",):
                player = players[(role, side)]
                status = _call(web, player, method, path)
                calls += 1
                where = f"{method} {path} as {player.name} ({role}, {side})"
                if route.path in ENDS_SESSION and status < 400:
                    player.client = web.login(player.name)
                if status >= 500:
                    problems.append(f"{where}: {status}")
                elif role not in access.roles():
                    if status not in (401, 403):
                        problems.append(f"{where}: {status}, expected 403")
                elif status in (401, 403):
                    problems.append(f"{where}: {status} though the role is admitted")
                elif side == "other" and status not in ((404,) if method == "GET" else (404, 422)):
                    # a POST with an empty body may fail validation (422) before the lookup
                    problems.append(f"{where}: {status}, expected 404 (another agency's)")
                elif side == "own" and method == "GET" and status == 404:
                    problems.append(f"{where}: 404 for the agency's own object")
    assert not problems, f"{len(problems)} of {calls} calls wrong:\n" + "\n".join(problems)
    assert calls > 100
