"""Registers of people: address, postcode, locality, region and national-id columns."""

from __future__ import annotations

import pyarrow as pa
import pytest

from intercop.evidence.detect import detect_mapping
from intercop.evidence.detect_names import Concept, column_concept
from intercop.evidence.detect_values import profile
from intercop.evidence.mapping import ColumnRole, TableRole
from intercop.evidence.schema import Column, TableSchema


@pytest.mark.parametrize(
    ("name", "concept"),
    [
        ("straatnaam", Concept.ADDRESS),
        ("Hausnummer", Concept.ADDRESS),
        ("address_line_1", Concept.ADDRESS),
        ("postcode", Concept.POSTCODE),
        ("Postleitzahl", Concept.POSTCODE),
        ("codigo_postal", Concept.POSTCODE),
        ("woonplaats", Concept.LOCALITY),
        ("ville", Concept.LOCALITY),
        ("provincie", Concept.REGION),
        ("bsn", Concept.NATIONAL_ID),
        ("soc_sec_id", Concept.NATIONAL_ID),
        ("NIF", Concept.NATIONAL_ID),
        # names that only look alike keep their meaning
        ("email_address", Concept.EMAIL),
        ("ip_address", Concept.IP),
        ("btc_address", Concept.BTC),
    ],
)
def test_register_column_names(name: str, concept: Concept) -> None:
    found = column_concept(name)
    assert found is not None and found[0] is concept


def test_compact_dates_are_ymd_not_epochs() -> None:
    assert profile(pa.array(["19151111", "19480930", "20011231"])).most("ymd")
    assert profile(pa.array([19151111, 19480930])).most("ymd")
    assert not profile(pa.array(["19151341", "12345678"])).most("ymd")


def _schema(name: str, columns: list[str]) -> TableSchema:
    return TableSchema(name=name, columns=tuple(Column(c, "text", pa.string()) for c in columns))


def test_a_dutch_register_is_a_users_table_with_address_roles() -> None:
    rows = pa.table(
        {
            "klantid": ["1", "2", "3"],
            "voornaam": ["Anna", "Bram", "Cor"],
            "achternaam": ["de Vries", "Jansen", "Bakker"],
            "straat": ["Dorpsstraat 1", "Kerkweg 2", "Molenlaan 3"],
            "postcode": ["1234 AB", "2345 BC", "3456 CD"],
            "woonplaats": ["Utrecht", "Delft", "Assen"],
            "geboortedatum": ["19900101", "19851231", "20000229"],
            "bsn": ["123456782", "234567891", "345678903"],
            "status": ["actief", "actief", "geblokkeerd"],
        }
    )
    schema = _schema("klanten_export", rows.column_names)
    mapping = detect_mapping({schema.name: schema}, lambda _n, _k: rows)
    table = mapping.tables[schema.name]
    assert table.role is TableRole.USERS
    roles = {n: c.role for n, c in table.columns.items()}
    assert roles["straat"] is ColumnRole.ADDRESS
    assert roles["postcode"] is ColumnRole.POSTCODE
    assert roles["woonplaats"] is ColumnRole.LOCALITY
    assert roles["bsn"] is ColumnRole.NATIONAL_ID
    assert roles["status"] is ColumnRole.OTHER  # a status, not a region
    assert table.columns["geboortedatum"].format == "date_ymd"
