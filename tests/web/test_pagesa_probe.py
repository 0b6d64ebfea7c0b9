from __future__ import annotations

import json

from tests.web.conftest import Web


def test_probe(web: Web) -> None:
    client = web.login("ana")
    listed = client.get("/persons.json?limit=3").json()
    open("/tmp/pa_list.json", "w").write(json.dumps(listed, indent=1))
    pid = listed["items"][0]["person_id"]
    with_case = None
    for p in client.get("/persons.json?limit=200").json()["items"]:
        d = client.get(f"/persons/{p['person_id']}.json").json()
        if d["cases"] and d["links"] and d["timeline"]:
            with_case = d
            break
    open("/tmp/pa_person.json", "w").write(json.dumps(with_case or client.get(f"/persons/{pid}.json").json(), indent=1))
    for u in ("fin", "sven"):
        c = web.login(u)
        open(f"/tmp/pa_list_{u}.json", "w").write(json.dumps(c.get("/persons.json?limit=3").json(), indent=1))
    r = client.get(f"/persons/{pid}")
    open("/tmp/pa_person.html", "w").write(r.text)
