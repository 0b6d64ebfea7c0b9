"""A pilot of the NL agency in a web test's workspace (frozen, or assigned)."""

from __future__ import annotations

from intercop.casework.interventions import load_catalogue
from intercop.casework.pilots import arms_for_control, assign_pilot, create_pilot
from tests.web.conftest import Web


def make_pilot(web: Web, *, assign: bool = True, name: str = "warning pilot") -> int:
    """Create (and assign) a warning-e-mail pilot in NL; its id."""
    with web.app.state.web.store.session() as s:
        pilot = create_pilot(
            s,
            "sam",
            name=name,
            intervention="warning_email",
            arms=arms_for_control(0.5),
            strata=[],
            seed=7,
            agency="NL",
            catalogue=load_catalogue(None),
        )
        if assign:
            assign_pilot(s, web.workspace, "ana", pilot.id)
        s.commit()
        return pilot.id
