"""The linkage model: comparisons, input preparation, saved models and training."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from intercop.errors import LinkageError
from intercop.identity import model
from intercop.identity.engines import DuckDBEngine
from intercop.identity.record import ACCOUNT_RECORD


def records(rows: list[dict[str, Any]]) -> pa.Table:
    """A table of ``ACCOUNT_RECORD`` from partial rows (missing fields NULL)."""
    full = [{name: row.get(name) for name in ACCOUNT_RECORD.names} for row in rows]
    return pa.Table.from_pylist(full, schema=ACCOUNT_RECORD)


def population(people: int = 120) -> pa.Table:
    """Synthetic accounts: each person on two platforms, with varied evidence."""
    rows = []
    for i in range(people):
        handle = f"user{i:03d}x"
        email = f"mail{i:03d}@example.org"
        ip = f"198.51.{i // 200}.{i % 200 + 1}"
        for ds in ("aaaa", "bbbb"):
            keep_email = ds == "aaaa" or i % 3 != 0
            rows.append(
                {
                    "uid": f"{ds}:{i}",
                    "dataset_id": ds,
                    "account_key": str(i),
                    "username_norm": handle if i % 5 else handle + "z",
                    "username_stem": handle,
                    "email": email if keep_email else None,
                    "email_local": email.split("@")[0] if keep_email else None,
                    "rare_ips": [ip] if i % 2 else [],
                    "birth_date": dt.date(2000 + i % 9, 1 + i % 12, 1 + i % 28),
                    "country": ["NL", "SE", "FI"][i % 3],
                }
            )
    return records(rows)


def test_prepare_keeps_model_columns_and_makes_empty_values_null() -> None:
    table = records([{"uid": "a:1", "email": " ", "rare_ips": [], "username_norm": "bob"}])
    prepared = model.prepare(table)
    assert prepared.column_names == [*model.INPUT_COLUMNS, model.BLOCK_STEM]
    row = prepared.to_pylist()[0]
    assert row["email"] is None
    assert row["rare_ips"] is None
    assert row["username_norm"] == "bob"


def test_common_stems_are_no_blocking_key() -> None:
    rows = [{"uid": f"a:{i}", "username_stem": "sniper"} for i in range(model.MAX_BLOCK_SHARE + 1)]
    rows += [{"uid": "b:1", "username_stem": "zorglub"}, {"uid": "b:2", "username_stem": "zorglub"}]
    prepared = model.prepare(records(rows)).to_pylist()
    blocks = {r["uid"]: r[model.BLOCK_STEM] for r in prepared}
    assert blocks["a:0"] is None and blocks["b:1"] == "zorglub"
    # the comparison still sees the stem
    assert all(r["username_stem"] for r in prepared)


def test_prepare_names_missing_columns() -> None:
    with pytest.raises(LinkageError, match="rare_ips"):
        model.prepare(pa.table({"uid": ["a:1"], "email": ["x@y.z"]}))


def test_level_labels_number_levels_like_splink() -> None:
    labels = model.level_labels()
    assert set(labels) == {
        "email", "username", "rare_ips", "birth_date", "first_name", "last_name", "country",
        "national_id", "postcode", "locality", "address",
    }  # fmt: skip
    assert labels["national_id"] == {
        -1: "no evidence",
        3: "exact",
        2: "levenshtein <= 1",
        1: "levenshtein <= 2",
        0: "different",
    }
    assert labels["rare_ips"] == {
        -1: "no evidence",
        2: "2+ shared",
        1: "1+ shared",
        0: "none shared",
    }
    assert labels["username"][4] == "exact"
    assert labels["username"][0] == "different"


def test_prediction_rules_block_on_exploded_rare_ips() -> None:
    rules = [r.create_blocking_rule_dict("duckdb") for r in model.prediction_rules()]
    exploded = [r for r in rules if r.get("arrays_to_explode")]
    assert [r["arrays_to_explode"] for r in exploded] == [["rare_ips"]]
    # 6 on accounts of seized dumps, 8 more on registers of people (FEBRL)
    assert len(rules) == 14


def test_unmix_u_removes_the_matches_from_u() -> None:
    level = {"m_probability": 0.8, "u_probability": 0.001}
    trained = {
        "probability_two_random_records_match": 0.001,
        "comparisons": [{"comparison_levels": [{"is_null_level": True}, level]}],
    }
    model._unmix_u(trained)
    assert level["u_probability"] == pytest.approx((0.001 - 0.0008) / 0.999)
    level["u_probability"] = 0.0005
    model._unmix_u(trained)
    assert level["u_probability"] == model.U_FLOOR


def test_settings_for_moves_parameters_to_another_dialect() -> None:
    trained = DuckDBEngine().train(population())
    assert trained["sql_dialect"] == "duckdb"
    spark = model.settings_for(trained, "spark")
    assert spark["probability_two_random_records_match"] == pytest.approx(
        trained["probability_two_random_records_match"]
    )
    for old, new in zip(trained["comparisons"], spark["comparisons"], strict=True):
        for a, b in zip(old["comparison_levels"], new["comparison_levels"], strict=True):
            assert a.get("m_probability") == b.get("m_probability")
            assert a.get("u_probability") == b.get("u_probability")
    # the SQL is the target dialect's, not a copy of DuckDB's
    assert "`username_norm_l`" in json.dumps(spark["comparisons"])


def test_training_estimates_strong_evidence_as_strong() -> None:
    trained = DuckDBEngine().train(population())
    prior = trained["probability_two_random_records_match"]
    assert 0 < prior < 0.05
    email = next(c for c in trained["comparisons"] if c["output_column_name"] == "email")
    exact = email["comparison_levels"][1]
    assert exact["label_for_charts"] == "exact"
    assert exact["m_probability"] / exact["u_probability"] > 100


def test_settings_for_refuses_a_model_of_other_comparisons() -> None:
    levels = [{"sql_condition": "ELSE", "m_probability": 0.5, "u_probability": 0.5}]
    stale = {
        "probability_two_random_records_match": 0.01,
        "comparisons": [{"output_column_name": "email", "comparison_levels": levels}],
    }
    with pytest.raises(LinkageError, match=r"'email'.*--retrain"):
        model.settings_for(stale, "duckdb")


def test_load_or_train_saves_then_reuses_until_retrain(tmp_path: Path) -> None:
    calls: list[int] = []

    def trainer(table: pa.Table) -> dict[str, Any]:
        calls.append(table.num_rows)
        return {"run": len(calls)}

    path = tmp_path / "derived" / "model.json"
    table = records([{"uid": "a:1"}])
    assert model.load_or_train(path, table, trainer) == {"run": 1}
    assert json.loads(path.read_text()) == {"run": 1}
    assert model.load_or_train(path, table, trainer) == {"run": 1}
    assert model.load_or_train(path, table, trainer, retrain=True) == {"run": 2}
    assert calls == [1, 1]


def test_load_or_train_names_an_unreadable_model(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_text("{not json")
    with pytest.raises(LinkageError, match=r"model\.json"):
        model.load_or_train(path, records([]), lambda _: {})


def test_a_dataset_of_namesakes_without_emails_trains_and_links_nobody() -> None:
    admins = records(
        [
            {"uid": f"a:{i}", "username_norm": "admin", "username_stem": "admin", "country": "NL"}
            for i in range(50)
        ]
    )
    duck = DuckDBEngine()
    trained = duck.train(admins)
    # e-mail was never seen: it must weigh nothing rather than take Splink's defaults
    email = model.settings_for(trained, "duckdb")["comparisons"][0]
    assert {lv.get("m_probability") for lv in email["comparison_levels"][1:]} == {0.5}
    pairs = duck.predict(admins, trained, threshold=0.0)
    assert pairs.num_rows == 50 * 49 // 2
    assert max(pairs["match_probability"].to_pylist()) < 0.5


def test_an_em_session_that_underflows_is_dropped_and_the_others_train(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from splink.internals.linker_components.training import LinkerTraining

    real = LinkerTraining.estimate_parameters_using_expectation_maximisation
    calls = []

    def first_underflows(self: Any, rule: Any, **kwargs: Any) -> Any:
        calls.append(rule)
        if len(calls) == 1:
            raise ValueError("m_probability value 0.0 is below the minimum allowed value")
        return real(self, rule, **kwargs)

    monkeypatch.setattr(
        LinkerTraining, "estimate_parameters_using_expectation_maximisation", first_underflows
    )
    trained = DuckDBEngine().train(population())
    assert len(calls) == len(model.em_rules()) > 1
    email = next(c for c in trained["comparisons"] if c["output_column_name"] == "email")
    assert email["comparison_levels"][1]["m_probability"] is not None


def test_any_other_value_error_in_em_is_not_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    from splink.internals.linker_components.training import LinkerTraining

    def broken(self: Any, rule: Any, **kwargs: Any) -> Any:
        raise ValueError("something else")

    monkeypatch.setattr(
        LinkerTraining, "estimate_parameters_using_expectation_maximisation", broken
    )
    with pytest.raises((ValueError, LinkageError)):
        DuckDBEngine().train(population())
