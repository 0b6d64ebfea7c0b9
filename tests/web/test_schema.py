"""schemathesis against ``/api/v1/openapi.json``: no 500s, every answer as documented."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.web.conftest import Web
from tests.web.test_api import bearer

pytestmark = pytest.mark.slow

#: examples per operation and token: 18 operations x 2 tokens x this stays under ~60 s
EXAMPLES = 12


def test_api_conforms_to_its_schema(web: Web) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", web.app)
    tokens = {"read": bearer(web, "olle", "read"), "write": bearer(web, "olle", "write"),
              "partner": bearer(web, "gamer", "partner")}  # fmt: skip
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 16
    for operation in operations:
        partner = operation.path.startswith("/api/v1/partner")
        headers = [tokens["partner"]] if partner else [tokens["read"], tokens["write"]]
        for auth in headers:

            @given(case=operation.as_strategy(), data=st.data())
            @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))  # fmt: skip
            def check(case: schemathesis.Case, data: st.DataObject, auth: dict[str, str] = auth)\
                    -> None:  # fmt: skip
                del data
                case.call_and_validate(headers=auth)

            check()
