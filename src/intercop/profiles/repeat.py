"""Repeat offending: activity on any platform after the takedown of an earlier one.

A person *reoffended* when, having had an account on platform A before A was seized
(manifest ``seized_on``), they were active on another dataset B from the day after
the seizure on. Activity is any event, a registration or a last sighting of an
account. The evidence names A, its seizure date, B, the first activity on B after the
seizure and whether a new account was registered on B after it (the stricter
reading used by most evaluations of warnings).
"""

from __future__ import annotations

import duckdb


def build_repeat(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``rep(person_id, repeat_offender, repeat_evidence)`` from ``acct`` and ``ev``."""
    con.execute(
        """
        CREATE TEMP TABLE rep_pairs AS
        WITH pd AS (
            SELECT person_id, dataset_id, platform, seized_on,
                   min(first_at) AS first_at, max(last_at) AS last_at
            FROM acct GROUP BY ALL
        )
        SELECT a.person_id, a.platform AS taken_down, a.seized_on,
               b.dataset_id AS later_dataset, b.platform AS later_platform,
               (a.seized_on + INTERVAL 1 DAY)::TIMESTAMPTZ AS after
        FROM pd a JOIN pd b ON a.person_id = b.person_id AND a.dataset_id <> b.dataset_id
        WHERE a.seized_on IS NOT NULL
          AND a.first_at < a.seized_on::TIMESTAMPTZ
          AND b.last_at >= (a.seized_on + INTERVAL 1 DAY)::TIMESTAMPTZ
        """
    )
    # the exact first activity after the seizure needs the events of those accounts only
    con.execute(
        """
        CREATE TEMP TABLE rep AS
        WITH acc_after AS (
            SELECT r.person_id, r.taken_down, r.seized_on, r.later_platform, r.later_dataset,
                   r.after, c.account_key, c.registered_at, c.last_at
            FROM rep_pairs r
            JOIN acct c ON c.person_id = r.person_id AND c.dataset_id = r.later_dataset
        ),
        ev_after AS (
            SELECT x.person_id, x.taken_down, x.later_dataset, min(e."at") AS first_event
            FROM acc_after x
            JOIN ev e ON e.dataset_id = x.later_dataset AND e.account_key = x.account_key
            WHERE e."at" >= x.after
            GROUP BY ALL
        ),
        pairs AS (
            SELECT x.person_id, x.taken_down, x.seized_on, x.later_platform,
                   least(min(CASE WHEN x.registered_at >= x.after THEN x.registered_at END),
                         any_value(f.first_event),
                         min(CASE WHEN x.last_at >= x.after THEN x.last_at END))
                       AS first_after,
                   bool_or(x.registered_at >= x.after) AS registered_after
            FROM acc_after x
            LEFT JOIN ev_after f USING (person_id, taken_down, later_dataset)
            GROUP BY x.person_id, x.taken_down, x.seized_on, x.later_platform, x.later_dataset
        )
        SELECT person_id, true AS repeat_offender,
               bool_or(registered_after) AS registered_after_takedown,
               list({'taken_down': taken_down, 'seized_on': seized_on,
                     'active_on': later_platform, 'first_after': first_after,
                     'registered_after': registered_after}
                    ORDER BY seized_on, first_after, later_platform) AS repeat_evidence
        FROM pairs GROUP BY 1
        """
    )
    con.execute("DROP TABLE rep_pairs")
