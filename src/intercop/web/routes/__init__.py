"""The routers of the web app, one module per page group (see ``ROUTERS``)."""

from __future__ import annotations

from fastapi import APIRouter

from intercop.web.routes import (
    api,
    audit,
    campaigns,
    cohorts,
    dashboard,
    datasets,
    exchange,
    knowledge,
    partner,
    persons,
    pilots,
    queue,
    reports,
    search,
    session,
    signals,
)

ROUTERS: list[APIRouter] = [
    session.router,
    dashboard.router,
    datasets.router,
    persons.router,
    search.router,
    cohorts.router,
    queue.router,
    campaigns.router,
    pilots.router,
    reports.router,
    audit.router,
    signals.router,
    knowledge.router,
    api.router,
    partner.router,
    exchange.router,
]
