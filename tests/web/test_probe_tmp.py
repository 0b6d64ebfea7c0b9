from __future__ import annotations
import pyarrow.parquet as pq
from sqlalchemy import select, func
from intercop.store.models import Case
from intercop.visibility import dataset_owners, visibility_for

def test_probe(web):  # type: ignore[no-untyped-def]
    ws = web.workspace
    print("OWNERS", dataset_owners(ws))
    print("RECORDS", pq.read_schema(ws.derived / "records.parquet"))
    print("PROFILES", pq.read_schema(ws.derived / "profiles.parquet"))
    with web.app.state.web.store.session() as s:
        print("CASES", s.execute(select(Case.agency, Case.state, func.count()).group_by(Case.agency, Case.state)).all())
        for ag in ("NL", "FI", "SE"):
            v = visibility_for(ws, s, ag)
            print(ag, v.as_json(), sorted(v.person_ids)[:3])
    assert False
