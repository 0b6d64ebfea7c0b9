"""``intercop evaluate``: the acceptance commands, through Typer."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import typer
from lifelines.datasets import load_rossi
from typer.testing import CliRunner

from intercop.cli import evaluate
from intercop.cli.context import STATE
from intercop.evaluation.errors import EvaluationError, OutcomeTableError
from intercop.evidence.ingest import IngestResult
from intercop.store import open_store
from intercop.synth import Scenario
from intercop.workspace import Workspace
from tests.evaluation.conftest import build_resolved
from tests.evaluation.test_timeseries import simulate

app = typer.Typer()
app.add_typer(evaluate.app, name="evaluate")
runner = CliRunner()

#: Fox & Weisberg (2011), Rossi et al. recidivism data, Cox model with Efron ties
PUBLISHED = {
    "fin": -0.3794,
    "age": -0.0574,
    "race": 0.3139,
    "wexp": -0.1498,
    "mar": -0.4337,
    "paro": -0.0849,
    "prio": 0.0915,
}


@pytest.fixture
def rossi(tmp_path: Path) -> Path:
    path = tmp_path / "rossi.csv"
    load_rossi().to_csv(path, index=False)
    return path


def run(*args: str) -> dict[str, object]:
    result = runner.invoke(app, ["evaluate", *args])
    assert result.exit_code == 0, (result.output, result.exception)
    data: dict[str, object] = json.loads(result.stdout)
    return data


def test_survival_reproduces_rossi(rossi: Path) -> None:
    data = run(
        "survival",
        "--data",
        str(rossi),
        "--duration",
        "week",
        "--event",
        "arrest",
        "--covariates",
        "fin,age,race,wexp,mar,paro,prio",
        "--json",
    )
    assert (data["model"], data["n"], data["events"]) == ("cox", 432, 114)
    coefficients = data["coefficients"]
    assert isinstance(coefficients, dict)
    fin = coefficients["fin"]
    assert round(fin["coef"], 5) == -0.37942
    assert round(fin["exp_coef"], 5) == 0.68426
    assert round(fin["se"], 5) == 0.19138
    assert round(fin["p"], 4) == 0.0474
    assert fin["ci_low"] < fin["coef"] < fin["ci_high"]
    for name, coef in PUBLISHED.items():
        assert round(coefficients[name]["coef"], 4) == coef, name


def test_survival_with_treatment_and_report(rossi: Path, tmp_path: Path) -> None:
    report = tmp_path / "rossi.html"
    data = run(
        "survival",
        "--data",
        str(rossi),
        "--duration",
        "week",
        "--event",
        "arrest",
        "--covariates",
        "age,prio",
        "--treatment",
        "fin",
        "--report",
        str(report),
        "--json",
    )
    assert next(iter(data["coefficients"])) == "fin"  # type: ignore[call-overload]
    assert data["logrank"]["df"] == 1  # type: ignore[index]
    html = report.read_text()
    assert "<svg" in html and "http" not in html


def test_logistic(rossi: Path) -> None:
    data = run(
        "logistic",
        "--data",
        str(rossi),
        "--outcome",
        "arrest",
        "--covariates",
        "fin,age,prio",
        "--json",
    )
    assert data["model"] == "logistic" and data["n"] == 432
    assert 0 < data["terms"]["fin"]["odds_ratio"] < 1  # type: ignore[index]


def test_its(tmp_path: Path) -> None:
    weeks, counts = simulate(2)
    path = tmp_path / "weekly.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["week", "attacks"])
        writer.writerows(zip([w.isoformat() for w in weeks], counts, strict=True))
    day = weeks[103].isoformat()
    data = run(
        "its",
        "--data",
        str(path),
        "--date",
        "week",
        "--count",
        "attacks",
        "--intervention",
        f"{day}:fbi",
        "--json",
        "--report",
        str(tmp_path / "its.pdf"),
    )
    step = data["terms"]["step:fbi"]  # type: ignore[index]
    assert step["ci_low"] < 0.67 < step["ci_high"]
    assert len(data["counterfactual"]) == len(weeks)  # type: ignore[arg-type]
    assert (tmp_path / "its.pdf").read_bytes().startswith(b"%PDF")


def test_its_acceptance_form(tmp_path: Path) -> None:
    start = date(2017, 1, 2)
    _, counts = simulate(3)
    path = tmp_path / "weekly.csv"
    path.write_text(
        "week,attacks\n"
        + "".join(f"{start + timedelta(weeks=i)},{c}\n" for i, c in enumerate(counts))
    )
    data = run(
        "its",
        "--data",
        str(path),
        "--date",
        "week",
        "--count",
        "attacks",
        "--intervention",
        "2018-12-19",
        "--json",
    )
    assert "step:2018-12-19" in data["terms"]  # type: ignore[operator]


def test_power() -> None:
    data = run("power", "--baseline", "0.3", "--effect", "0.7", "--json")
    assert data["n_per_arm"] == 367 and data["model"] == "power"


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        (["--covariates", "fin,nope"], OutcomeTableError, "no column 'nope'"),
        (["--covariates", "fin,age,age2"], EvaluationError, "'age2' is collinear with 'age'"),
        (["--covariates", "fin,one"], EvaluationError, "'one' is constant"),
        (
            ["--covariates", "fin,word"],
            OutcomeTableError,
            "rossi.csv:2: column 'word' is not numeric",
        ),
        (["--covariates", "fin,gap"], OutcomeTableError, "1 missing value"),
    ],
)
def test_bad_input_is_one_clear_error(
    tmp_path: Path, args: list[str], error: type, message: str
) -> None:
    frame = load_rossi()
    frame["age2"] = frame["age"] * 2
    frame["one"] = 1
    frame["word"] = "x"
    frame["gap"] = frame["age"].astype(object)
    frame.loc[5, "gap"] = ""
    path = tmp_path / "rossi.csv"
    frame.to_csv(path, index=False)
    result = runner.invoke(
        app,
        [
            "evaluate",
            "survival",
            "--data",
            str(path),
            "--duration",
            "week",
            "--event",
            "arrest",
            *args,
            "--json",
        ],
    )
    assert isinstance(result.exception, error)
    assert message in str(result.exception)


@pytest.fixture(scope="session")
def resolved(
    tmp_path_factory: pytest.TempPathFactory,
    ingested: tuple[Workspace, dict[str, IngestResult]],
    takedowns: Scenario,
) -> Workspace:
    return build_resolved(tmp_path_factory.mktemp("resolved-cli"), ingested, takedowns)


@pytest.fixture
def home(resolved: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The CLI's workspace is ``resolved``, with a case store of its own."""
    monkeypatch.setattr(STATE, "workspace_path", resolved.root)
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    monkeypatch.setenv("INTERCOP_DATABASE_URL", url)
    monkeypatch.delenv("INTERCOP_USER", raising=False)
    yield tmp_path


def test_pilot_report(home: Path, resolved: Workspace, takedowns: Scenario) -> None:
    from intercop.access import add_user
    from tests.evaluation.test_pilot import make_pilot

    with open_store(resolved, f"sqlite:///{home / 'cases.db'}") as store:
        pilot_id, _, _ = make_pilot(store, takedowns)
        with store.session() as session:
            add_user(session, "ana", "analyst", "NL")
            session.commit()
    report = home / "pilot.html"
    data = run(
        "pilot",
        str(pilot_id),
        "--user",
        "ana",
        "--as-of",
        "2026-06-01",
        "--report",
        str(report),
        "--json",
    )
    assert data["reference"] == "control"
    html = report.read_text()
    assert "<svg" in html and "http://" not in html and "https://" not in html
    assert "lower bound" in html


def test_the_cli_default_grace_is_the_evaluation_default() -> None:
    from intercop.cli.evaluate import GRACE_DAYS
    from intercop.evaluation.reoffending import DEFAULT_GRACE_DAYS

    assert GRACE_DAYS == DEFAULT_GRACE_DAYS
