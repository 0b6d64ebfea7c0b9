"""Placeholder: routes added by the page helper."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
