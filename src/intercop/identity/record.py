"""The account record: one row per account of every dataset, the input of resolution.

Contract between feature extraction (``records.py``), the linkage model
(``model.py``), clustering and explanations. An account is named everywhere by its
``uid``, ``"<dataset_id>:<account_key>"``.
"""

from __future__ import annotations

import pyarrow as pa

STRINGS = pa.list_(pa.string())

ACCOUNT_RECORD = pa.schema(
    [
        ("uid", pa.string()),  # "<dataset_id>:<account_key>"
        ("dataset_id", pa.string()),
        ("account_key", pa.string()),
        ("platform", pa.string()),
        ("platform_kind", pa.string()),  # booter | forum | market | other
        ("seized_on", pa.date32()),
        ("username", pa.string()),  # as held, NFKC + trimmed
        ("username_norm", pa.string()),  # casefolded, leetspeak and decorations folded
        ("username_stem", pa.string()),  # username_norm without trailing digits
        ("username_digits", pa.string()),  # the trailing digits (often a birth year)
        ("email", pa.string()),  # canonical (gmail dots/+tags folded, googlemail -> gmail)
        ("email_local", pa.string()),  # local part of the canonical e-mail
        ("email_domain", pa.string()),
        ("emails", STRINGS),  # every canonical e-mail of the account (incl. PayPal)
        ("ips", STRINGS),  # public IPs seen (private/reserved never used as evidence)
        ("rare_ips", STRINGS),  # the ips shared by few accounts (not VPN exits or carrier NAT)
        ("btc", STRINGS),
        ("phones", STRINGS),  # E.164
        ("handles", STRINGS),  # messenger contacts, "kind:value"
        ("first_name", pa.string()),  # casefolded, accents stripped
        ("last_name", pa.string()),
        ("birth_date", pa.date32()),
        ("country", pa.string()),  # majority country of the public IPs (iptocc)
        ("country_claimed", pa.string()),
        ("first_seen", pa.timestamp("us", tz="UTC")),
        ("last_seen", pa.timestamp("us", tz="UTC")),
        ("role", pa.string()),
        # where the person lives and who they are (registers such as FEBRL; NULL in dumps)
        ("address", pa.string()),  # house number and street lines, casefolded
        ("postcode", pa.string()),  # upper case, letters and digits only
        ("locality", pa.string()),  # city, town or suburb, casefolded
        ("national_id", pa.string()),  # digits only
    ]
)


def uid(dataset_id: str, account_key: str) -> str:
    """The account's name across the workspace."""
    return f"{dataset_id}:{account_key}"


def split_uid(value: str) -> tuple[str, str]:
    """``(dataset_id, account_key)`` of a uid."""
    dataset_id, _, account_key = value.partition(":")
    return dataset_id, account_key
