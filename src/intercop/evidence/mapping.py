"""Platform mappings: which source table plays which role, which column means what.

A mapping is data (YAML, ARCHITECTURE §7): built-in ones for known platform
software live in ``mappings/``, ``--mapping FILE`` overrides, and detection
produces the same model from DDL names and sniffed values, each choice with the
reason it was made (shown by ``--explain``).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class TableRole(StrEnum):
    USERS = "users"
    LOGINS = "logins"
    ATTACKS = "attacks"
    PAYMENTS = "payments"
    POSTS = "posts"
    MESSAGES = "messages"
    TICKETS = "tickets"
    OTHER = "other"


class ColumnRole(StrEnum):
    ACCOUNT_KEY = "account_key"  # the users table's own key
    USER_REF = "user_ref"  # foreign key to the user, by id or username (see ``ref``)
    USERNAME = "username"
    EMAIL = "email"
    DISPLAY_NAME = "display_name"
    FIRST_NAME = "first_name"
    LAST_NAME = "last_name"
    BIRTH_DATE = "birth_date"
    PHONE = "phone"
    COUNTRY = "country"
    ADDRESS = "address"  # street and house number; several columns are joined in order
    POSTCODE = "postcode"
    LOCALITY = "locality"  # city, town, suburb
    REGION = "region"  # state, province
    NATIONAL_ID = "national_id"  # social security, BSN, NIF...: compared as digits
    IP = "ip"
    TIME = "time"  # when the row's event happened
    REGISTERED_AT = "registered_at"
    LAST_SEEN_AT = "last_seen_at"
    PASSWORD_HASH = "password_hash"
    PASSWORD_PLAIN = "password_plain"  # dropped at ingest
    PASSWORD_SALT = "password_salt"
    API_KEY = "api_key"
    BTC_ADDRESS = "btc_address"
    PAYPAL_EMAIL = "paypal_email"
    PAYMENT_REF = "payment_ref"
    AMOUNT = "amount"
    CURRENCY = "currency"
    TARGET = "target"  # a victim's host or IP: never used to identify anyone
    TARGET_PORT = "target_port"
    METHOD = "method"
    DURATION = "duration"
    USER_AGENT = "user_agent"
    CONTACT = "contact"  # discord, telegram, skype, jabber: see ``kind``
    ROLE = "role"  # the account's role or group on the platform
    TEXT = "text"  # post, message or ticket body
    RECIPIENT = "recipient"  # a message's other party: third-party data
    OTHER = "other"


class Secret(StrEnum):
    """What ingest does with a column to minimise data."""

    KEEP = "keep"
    DROP = "drop"  # plaintext passwords, typed password attempts
    HMAC = "hmac"  # password hashes, salts, API keys: keyed hash, linkable, not crackable


class ColumnMapping(BaseModel):
    """The meaning of one source column."""

    model_config = ConfigDict(extra="forbid")

    role: ColumnRole
    #: value format: epoch_s | epoch_ms | datetime | date_dmy | ip_text | ip_binary |
    #: ip_int | id | username | discord | telegram | skype | jabber ...
    format: str | None = None
    #: IANA zone of DATETIME values without one (default: the mapping's, else UTC)
    timezone: str | None = None
    reason: str = ""


class TableMapping(BaseModel):
    """The role of one source table and the meaning of its columns."""

    model_config = ConfigDict(extra="forbid")

    role: TableRole
    columns: dict[str, ColumnMapping] = Field(default_factory=dict)
    reason: str = ""

    def first(self, role: ColumnRole) -> str | None:
        """Name of the first column with ``role``, if any."""
        return next((n for n, c in self.columns.items() if c.role == role), None)

    def all(self, role: ColumnRole) -> list[str]:
        return [n for n, c in self.columns.items() if c.role == role]


class Mapping(BaseModel):
    """A whole dataset's mapping."""

    model_config = ConfigDict(extra="forbid")

    software: str = "detected"
    description: str = ""
    #: IANA zone of every DATETIME column without one (the seized server's clock); UTC if unset
    timezone: str | None = None
    tables: dict[str, TableMapping] = Field(default_factory=dict)

    def users_table(self) -> str | None:
        return next((n for n, t in self.tables.items() if t.role == TableRole.USERS), None)


def secret_action(role: ColumnRole) -> Secret:
    """Data-minimisation action for a column role."""
    if role is ColumnRole.PASSWORD_PLAIN:
        return Secret.DROP
    if role in (ColumnRole.PASSWORD_HASH, ColumnRole.PASSWORD_SALT, ColumnRole.API_KEY):
        return Secret.HMAC
    return Secret.KEEP
