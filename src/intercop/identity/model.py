"""The probabilistic linkage model: Splink comparisons, blocking rules and training.

Engine-neutral: this module describes *what* is compared and how the model is trained;
``identity.engines`` runs it on DuckDB or Spark. A trained model is Splink's JSON (the dict of
``save_model_to_json``); it carries SQL of the dialect it was trained in, so an engine
never runs it as is but rebuilds the settings in its own dialect and copies the trained
parameters over (``settings_for``), refusing a model whose comparisons no longer fit.

NULL (or an empty list) means "no evidence": Splink's null level, weight 0.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from intercop.errors import LinkageError

if TYPE_CHECKING:
    from splink import Linker, SettingsCreator
    from splink.internals.blocking_rule_creator import BlockingRuleCreator
    from splink.internals.comparison_creator import ComparisonCreator

log = logging.getLogger(__name__)

#: the account id column of ``identity.record.ACCOUNT_RECORD``
UNIQUE_ID = "uid"
STRING_COLUMNS = (
    "email",
    "email_local",
    "username_norm",
    "username_stem",
    "first_name",
    "last_name",
    "country",
    "address",
    "postcode",
    "locality",
    "national_id",
)
LIST_COLUMNS = ("rare_ips",)
DATE_COLUMNS = ("birth_date",)
#: the username stem as a blocking key, NULL where more than MAX_BLOCK_SHARE accounts
#: share it (see ``_rare``)
BLOCK_STEM = "username_stem_block"
MAX_BLOCK_SHARE = 50
#: every column the model reads; engines register only these
INPUT_COLUMNS = (UNIQUE_ID, *STRING_COLUMNS, *LIST_COLUMNS, *DATE_COLUMNS)

#: share of true pairs the deterministic rules are assumed to find (e-mails are often
#: missing or differ); the prior, and so every probability, moves with it
DETERMINISTIC_RECALL = 0.5
#: pairs sampled for u; the whole cartesian product of small workspaces is smaller
U_MAX_PAIRS = 2e6
U_SEED = 42
MAX_EM_ITERATIONS = 25
#: the prior used when the deterministic rules find no pair at all
PRIOR_FLOOR = 1e-6
#: the smallest u kept after taking the matches out (caps one level at ~20 bits)
U_FLOOR = 1e-6


def _comparisons() -> list[ComparisonCreator | dict[str, Any]]:
    """One comparison per kind of evidence, levels from strongest to weakest.

    Fellegi-Sunter adds the weights of comparisons as if independent, so evidence that
    is one fact seen twice (an e-mail and its local part; a username and its stem) is
    one comparison with nested levels, not two comparisons that would count it twice.
    """
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import ColumnExpression

    def null(col: str) -> Any:
        return cll.NullLevel(col).configure(label_for_charts="no evidence")

    def exact(col: str, label: str = "exact", *, tf: bool = False) -> Any:
        return cll.ExactMatchLevel(col, term_frequency_adjustments=tf).configure(
            label_for_charts=label
        )

    def jaro(col: str, threshold: float, label: str = "jaro-winkler") -> Any:
        return cll.JaroWinklerLevel(col, threshold).configure(
            label_for_charts=f"{label} >= {threshold}"
        )

    # Handles and mailboxes differ by an inserted or changed character; Levenshtein is
    # also computed identically by every engine, where DuckDB's and Splink's Spark
    # Jaro-Winkler count transpositions differently and can fall either side of a
    # threshold (crypt2470 / cryp72470: 0.931 vs 0.918)
    def lev(col: str, distance: int, label: str = "levenshtein") -> Any:
        return cll.LevenshteinLevel(col, distance).configure(
            label_for_charts=f"{label} <= {distance}"
        )

    def other(label: str = "different") -> Any:
        return cll.ElseLevel().configure(label_for_charts=label)

    birth_year = ColumnExpression("birth_date").cast_to_string().substr(1, 4)
    return [
        cl.CustomComparison(
            [
                null("email"),
                exact("email"),
                # the same mailbox name at another provider; "info" or "admin" are common
                exact("email_local", "same local part", tf=True),
                lev("email_local", 1, "local part levenshtein"),
                other(),
            ],
            output_column_name="email",
            comparison_description="canonical e-mail and its local part",
        ),
        cl.CustomComparison(
            [
                null("username_norm"),
                # "admin" and "test" are everyone's: the weight of an exact match
                # falls with how common the name is
                exact("username_norm", tf=True),
                cll.CustomLevel(_EXTENDS, label_for_charts="one extends the other"),
                exact("username_stem", "same stem, other digits", tf=True),
                lev("username_norm", 1),
                other(),
            ],
            output_column_name="username",
            comparison_description="username, folded, and its stem without trailing digits",
        ),
        cl.CustomComparison(
            [
                null("rare_ips"),
                *(
                    cll.ArrayIntersectLevel("rare_ips", n).configure(
                        label_for_charts=f"{n}+ shared"
                    )
                    for n in (2, 1)
                ),
                other("none shared"),
            ],
            output_column_name="rare_ips",
            comparison_description="rare public IPs in common",
        ),
        cl.CustomComparison(
            [
                null("birth_date"),
                exact("birth_date"),
                cll.ExactMatchLevel(birth_year).configure(label_for_charts="same year"),
                other(),
            ],
            output_column_name="birth_date",
            comparison_description="birth date",
        ),
        *(
            cl.CustomComparison(
                [
                    null(name),
                    exact(name),
                    # registers swap given name and surname ("sybella shepherd")
                    cll.CustomLevel(f"{name}_l = {other_name}_r").configure(
                        label_for_charts=f"equals the other's {other_name.replace('_', ' ')}"
                    ),
                    jaro(name, 0.92),
                    jaro(name, 0.8),
                    other(),
                ],
                output_column_name=name,
                comparison_description=name.replace("_", " "),
            )
            for name, other_name in (("first_name", "last_name"), ("last_name", "first_name"))
        ),
        cl.CustomComparison(
            [null("country"), exact("country"), other()],
            output_column_name="country",
            comparison_description="country of the IPs",
        ),
        # registers of people (FEBRL, a shop's customers) hold where someone lives and a
        # national id; seized dumps rarely do, and a NULL there weighs nothing
        cl.CustomComparison(
            [
                null("national_id"),
                exact("national_id"),
                lev("national_id", 1),
                # two digits swapped (5714719 / 5714791)
                lev("national_id", 2),
                other(),
            ],
            output_column_name="national_id",
            comparison_description="national id (digits)",
        ),
        cl.CustomComparison(
            [null("postcode"), exact("postcode"), other()],
            output_column_name="postcode",
            comparison_description="postcode",
        ),
        cl.CustomComparison(
            [null("locality"), exact("locality"), jaro("locality", 0.9), other()],
            output_column_name="locality",
            comparison_description="city, town or suburb",
        ),
        cl.CustomComparison(
            [
                null("address"),
                exact("address"),
                jaro("address", 0.92),
                jaro("address", 0.8),
                other(),
            ],
            output_column_name="address",
            comparison_description="house number and street",
        ),
    ]


#: one folded username is the other plus a suffix ("dennis00" / "dennis00x"); written
#: with substr and length only, which every Splink dialect has
_EXTENDS = " or ".join(
    f"(length(username_norm_{a}) > length(username_norm_{b}) "
    f"and length(username_norm_{b}) >= 4 "
    f"and substr(username_norm_{a}, 1, length(username_norm_{b})) = username_norm_{b})"
    for a, b in (("l", "r"), ("r", "l"))
)


def prediction_rules() -> list[BlockingRuleCreator | dict[str, Any]]:
    """Blocking rules of prediction: pairs that share at least one strong key."""
    from splink import block_on

    return [
        block_on("email"),
        block_on("email_local"),
        block_on("username_norm"),
        block_on(BLOCK_STEM),  # the stem, unless thousands share it
        # one row per IP on each side, so a shared rare IP is an equi-join
        block_on("rare_ips", arrays_to_explode=["rare_ips"]),
        block_on("birth_date", "first_name"),
        block_on("national_id"),
        block_on("birth_date", "last_name"),
        block_on("postcode", "first_name"),
        block_on("postcode", "last_name"),
        block_on("postcode", "birth_date"),
        block_on("locality", "birth_date"),
        block_on("locality", "last_name"),
        block_on("first_name", "last_name"),
    ]


def deterministic_rules() -> list[str | BlockingRuleCreator]:
    """Rules that admit almost no false pairs, for the prior ``P(match)``."""
    from splink import block_on

    return [
        block_on("email"),
        block_on("username_norm", "email_local"),
        block_on("national_id", "birth_date"),
    ]


def em_rules() -> list[BlockingRuleCreator]:
    """EM passes; each leaves some comparisons free to be estimated."""
    from splink import block_on

    return [
        block_on("email"),
        block_on("username_norm"),
        block_on("email_local"),
        *_register_em_rules(),
    ]


def _register_em_rules() -> list[BlockingRuleCreator]:
    """EM passes that find pairs only in registers with national ids and postcodes."""
    from splink import block_on

    return [block_on("national_id"), block_on("postcode")]


def settings() -> SettingsCreator:
    """The untrained model: comparisons and prediction blocking rules."""
    from splink import SettingsCreator

    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name=UNIQUE_ID,
        comparisons=_comparisons(),
        blocking_rules_to_generate_predictions=prediction_rules(),
        # Splink keeps each comparison's gamma (level) only with the matching columns;
        # gamma and weight per comparison are the evidence of each pair
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
        max_iterations=MAX_EM_ITERATIONS,
    )


def train(linker: Linker) -> dict[str, Any]:
    """Train ``linker`` without labels and return the model as Splink JSON."""
    from splink.internals.exceptions import EMTrainingException

    training = linker.training
    training.estimate_probability_two_random_records_match(
        deterministic_rules(), recall=DETERMINISTIC_RECALL
    )
    settings_obj = linker._settings_obj  # Splink has no public setter for the prior
    if settings_obj._probability_two_random_records_match <= 0:
        # no e-mail or handle shared at all: keep a tiny prior so EM and scoring work
        log.warning("no deterministic links to estimate the prior from; using %s", PRIOR_FLOOR)
        settings_obj._probability_two_random_records_match = PRIOR_FLOOR
    training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=U_SEED)
    optional = {_rule_sql(r) for r in _register_em_rules()}
    for rule in em_rules():
        # a failed EM session leaves the model as it set it up for training: its rule's
        # comparisons removed and its blocking-adjusted prior (near 1 for a rule on an
        # empty column) in place; the copy puts the model back
        before = settings_obj.core_model_settings.copy()  # type: ignore[no-untyped-call]
        try:
            training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True
            )
        except (EMTrainingException, ValueError) as exc:
            # Splink refuses an m probability that EM drove to exactly 0 (a level never
            # seen among the pairs a rule finds; seen at ~200k accounts) with a
            # ValueError: drop that session like an empty one, the other rules still train
            if isinstance(exc, ValueError) and "below the minimum" not in str(exc):
                raise
            settings_obj.core_model_settings = before
            if isinstance(exc, ValueError):
                log.warning("EM on %s skipped: a level's m probability fell to 0 (%s)",
                            _rule_sql(rule), exc)  # fmt: skip
                continue
            # a dataset without e-mails has no pair to learn from on that key; seized
            # dumps have no national ids or postcodes, which is no news
            level = logging.INFO if _rule_sql(rule) in optional else logging.WARNING
            log.log(level, "EM skipped: no pairs of accounts share %s", _rule_sql(rule))
    model: dict[str, Any] = linker.misc.save_model_to_json()
    for comparison in model["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        if all(lv.get("m_probability") is None for lv in levels):
            # its columns were empty (no register fields in seized dumps): nothing was
            # learned, so it weighs nothing rather than taking Splink's defaults
            _neutral(comparison)
    return _unmix_u(model)


def _rule_sql(rule: BlockingRuleCreator) -> str:
    """The condition of a blocking rule, as text for messages."""
    return str(rule.create_blocking_rule_dict("duckdb")["blocking_rule"])


def _unmix_u(model: dict[str, Any]) -> dict[str, Any]:
    """Take the matches out of the u probabilities estimated by random sampling.

    Random pairs are a mixture, ``P(level) = p * m + (1 - p) * u``; in a dedupe of
    accounts where every person has a few, the matches in the sample put a floor of
    about ``p * m`` under u, capping any one agreement (same e-mail, two shared home
    IPs) at roughly even odds. Solving the mixture for u lifts that cap.
    """
    prior = float(model["probability_two_random_records_match"])
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            m, u = level.get("m_probability"), level.get("u_probability")
            if level.get("is_null_level") or m is None or u is None:
                continue
            level["u_probability"] = max((u - prior * m) / (1 - prior), U_FLOOR)
    return model


def prepare(records: pa.Table) -> pa.Table:
    """The model's columns of ``records``, with empty strings and lists made NULL."""
    missing = [c for c in INPUT_COLUMNS if c not in records.column_names]
    if missing:
        raise LinkageError(
            f"the account records lack the column(s) {', '.join(missing)}",
            hint="Build them with intercop.identity.records (schema ACCOUNT_RECORD)",
        )
    columns: dict[str, pa.Array | pa.ChunkedArray] = {UNIQUE_ID: records[UNIQUE_ID]}
    for name in STRING_COLUMNS:
        col = records[name].cast(pa.string())
        columns[name] = pc.if_else(pc.equal(pc.utf8_trim_whitespace(col), ""), None, col)
    for name in LIST_COLUMNS:
        col = records[name]
        columns[name] = pc.if_else(pc.equal(pc.list_value_length(col), 0), None, col)
    for name in DATE_COLUMNS:
        columns[name] = records[name].cast(pa.date32())
    columns[BLOCK_STEM] = _rare(columns["username_stem"], MAX_BLOCK_SHARE)
    return pa.table(columns)


def _rare(values: pa.Array | pa.ChunkedArray, limit: int) -> pa.Array | pa.ChunkedArray:
    """``values`` with those held by more than ``limit`` rows made NULL.

    A blocking key shared by thousands ("sniper", "shadow") makes pairs by the square
    of its count; such values still count as evidence through the comparison (with
    term-frequency adjustment), they just do not make candidate pairs.
    """
    counts = pc.value_counts(values)
    common = pc.filter(counts.field("values"), pc.greater(counts.field("counts"), limit))
    return pc.if_else(pc.is_in(values, value_set=common), None, values)


def settings_for(model: dict[str, Any], dialect: str) -> dict[str, Any]:
    """Splink settings in ``dialect`` carrying the trained parameters of ``model``."""
    fresh = settings().create_settings_dict(dialect)
    trained = {c.get("output_column_name"): c for c in model.get("comparisons", [])}
    for comparison in fresh["comparisons"]:
        name = comparison["output_column_name"]
        if name not in trained:
            # Splink leaves out a comparison whose columns were empty in training:
            # nothing was learned about it, so it weighs nothing (m = u), never defaults
            _neutral(comparison)
            log.info("linkage model has no parameters for %r; it will weigh nothing", name)
            continue
        levels = trained[name].get("comparison_levels", [])
        if len(levels) != len(comparison["comparison_levels"]):
            raise LinkageError(
                f"the saved linkage model does not fit comparison {name!r}",
                hint="It was trained with other comparisons; run resolve with --retrain",
            )
        for level, old in zip(comparison["comparison_levels"], levels, strict=True):
            for key in ("m_probability", "u_probability", "tf_minimum_u_value"):
                if key in old:
                    level[key] = old[key]
    prior = model.get("probability_two_random_records_match")
    if not isinstance(prior, float | int) or not 0 < prior <= 1:
        raise LinkageError(
            "the saved linkage model has no probability_two_random_records_match",
            hint="Run resolve with --retrain",
        )
    fresh["probability_two_random_records_match"] = float(prior)
    return fresh


def _neutral(comparison: dict[str, Any]) -> None:
    """Make every level of ``comparison`` a Bayes factor of 1."""
    for level in comparison["comparison_levels"]:
        if level.get("is_null_level"):
            continue
        level["m_probability"] = level["u_probability"] = 0.5
        level.pop("tf_adjustment_column", None)
        level.pop("tf_adjustment_weight", None)


def level_labels() -> dict[str, dict[int, str]]:
    """Label of each gamma value, by comparison output column name."""
    labels: dict[str, dict[int, str]] = {}
    for comparison in settings().create_settings_dict("duckdb")["comparisons"]:
        levels = comparison["comparison_levels"]
        # Splink numbers levels downwards from the strongest, the null level being -1
        count = sum(1 for lv in levels if not lv.get("is_null_level"))
        gammas: dict[int, str] = {}
        rank = count - 1
        for lv in levels:
            if lv.get("is_null_level"):
                gammas[-1] = lv["label_for_charts"]
            else:
                gammas[rank] = lv["label_for_charts"]
                rank -= 1
        labels[comparison["output_column_name"]] = gammas
    return labels


def load_or_train(
    path: Path,
    records: pa.Table,
    trainer: Callable[[pa.Table], dict[str, Any]],
    *,
    retrain: bool = False,
) -> dict[str, Any]:
    """The model saved at ``path``, trained with ``trainer`` first if absent or ``retrain``."""
    if path.exists() and not retrain:
        try:
            model: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise LinkageError(
                f"{path}: the saved linkage model cannot be read ({exc})",
                hint="Delete it or run resolve with --retrain",
            ) from exc
        log.info("linkage model loaded from %s", path)
        return model
    model = trainer(records)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(model, indent=2), encoding="utf-8")
    tmp.replace(path)  # a crash never leaves half a model
    log.info("linkage model trained and saved to %s", path)
    return model
