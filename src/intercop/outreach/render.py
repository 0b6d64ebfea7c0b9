"""Messages from templates: one Jinja2 file per intervention and locale, in a sandbox.

A template is ``templates/<intervention>/<locale>.txt``: a first line ``Subject: ...``,
a blank line, then the plain-text body. The HTML e-mail is built from the same
rendered body by the shared, autoescaped layout ``templates/_layout.html``. An agency's
folder (``<workspace>/config/templates``) is searched before the packaged one, file by
file. A minor's parents are addressed by ``{% if recipient == "parents" %}`` branches
in the same file, so every language keeps both variants side by side.

Templates are untrusted input: they run in a ``SandboxedEnvironment`` with
``StrictUndefined``, so an unknown placeholder is an error, never an empty string.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from babel.dates import format_date, format_skeleton
from babel.numbers import format_decimal
from jinja2 import (
    ChoiceLoader,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateSyntaxError,
    nodes,
    pass_context,
)
from jinja2 import TemplateError as JinjaError
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment

from intercop.errors import ConfigError
from intercop.outreach.facts import Facts, sample_facts
from intercop.outreach.locales import SUPPORTED, babel_locale, fallback_chain, normalise

PACKAGED = Path(__file__).parent / "templates"
LAYOUT = "_layout.html"
RECIPIENTS = ("person", "parents")
SUBJECT = "Subject:"
_BLANKS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")


class AgencyInfo(Protocol):
    """What a message says about the sending agency (``casework.agencies.Agency`` has it)."""

    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def phone(self) -> str: ...
    @property
    def website(self) -> str: ...
    @property
    def reply_to(self) -> str: ...


@dataclass(frozen=True)
class SampleAgency:
    """A made-up agency for template checks and previews."""

    code: str = "XX"
    name: str = "Example Police – Cybercrime Prevention Team"
    phone: str = "+31 00 000 0000"
    website: str = "https://police.example.org/prevention"
    reply_to: str = "prevention@police.example.org"


class TemplateError(ConfigError):
    """A message template is missing, malformed or uses an unknown placeholder."""

    hint = "Fix the template named (see docs/messages.md for the placeholders)"

    def __init__(
        self, message: str, *, path: Path | str | None = None, line: int | None = None
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.line = line
        where = ""
        if self.path is not None:
            where = f"{self.path}:{line}: " if line is not None else f"{self.path}: "
        super().__init__(f"{where}{message}")


@dataclass(frozen=True)
class Rendered:
    """One message, ready for a channel."""

    locale: str  # the locale actually used after fallback
    subject: str
    text: str  # plain-text body
    html: str  # full HTML document (autoescaped), same content


#: names a template may use; anything else is an unknown placeholder
PLACEHOLDERS: tuple[str, ...] = (
    "facts", "platform", "platforms", "username", "registered", "masked_ip", "accounts",
    "attacks", "logins", "payments", "minor", "recipient", "agency", "reference", "sent_on",
    "locale",
)  # fmt: skip


@lru_cache(maxsize=64)
def _babel(locale: str) -> Any:
    return babel_locale(locale)


# Formatting is pure in (locale, value) and a campaign repeats the same months and
# small counts over and over: Babel's pattern work is done once per distinct value.
@lru_cache(maxsize=4096)
def _format_month(locale: str, value: date) -> str:
    return str(format_skeleton("yMMMM", value, locale=_babel(locale)))


@lru_cache(maxsize=4096)
def _format_day(locale: str, value: date) -> str:
    return str(format_date(value, "long", locale=_babel(locale)))


@lru_cache(maxsize=16384, typed=True)
def _format_number(locale: str, value: int | float) -> str:
    return str(format_decimal(value, locale=_babel(locale)))


@pass_context
def _month(ctx: Context, value: date | None) -> str:
    """``maart 2024`` / ``March 2024`` / ``2024年3月``."""
    if value is None:
        return ""
    return _format_month(ctx["locale"], value)


@pass_context
def _day(ctx: Context, value: date | None) -> str:
    """A date written out in full: ``5 maart 2024`` / ``March 5, 2024``."""
    if value is None:
        return ""
    return _format_day(ctx["locale"], value)


@pass_context
def _number(ctx: Context, value: int | float) -> str:
    """``1.234`` (nl) / ``1,234`` (en) / ``1 234`` (fi, sv, fr: their own spaces)."""
    return _format_number(ctx["locale"], value)


def _environment(loader: ChoiceLoader, *, html: bool) -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        loader=loader,
        undefined=StrictUndefined,
        autoescape=html,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(month=_month, date=_day, number=_number)
    return env


def paragraphs(body: str) -> list[list[str]]:
    """A plain-text body as paragraphs (blank-line separated) of lines."""
    out: list[list[str]] = []
    for block in body.strip().split("\n\n"):
        lines = [line.rstrip() for line in block.strip("\n").split("\n")]
        if any(lines):
            out.append(lines)
    return out


class Templates:
    """The message templates: packaged ones, overridden file by file by ``extra_dir``."""

    def __init__(self, extra_dir: Path | None = None) -> None:
        self.dirs = tuple(d for d in (extra_dir, PACKAGED) if d is not None)
        loader = ChoiceLoader([FileSystemLoader(str(d)) for d in self.dirs])
        self._text = _environment(loader, html=False)
        self._html = _environment(loader, html=True)
        # A campaign renders the same few files thousands of times: each file is read,
        # parsed and checked once in the life of this object (a command makes its own).
        self._resolved: dict[tuple[str, str], str] = {}
        self._compiled: dict[tuple[str, str], tuple[Template, Path]] = {}
        self._layout: Template | None = None

    def interventions(self) -> tuple[str, ...]:
        """Every intervention with at least one template."""
        found = {
            p.name
            for d in self.dirs
            if d.is_dir()
            for p in d.iterdir()
            if p.is_dir() and any(p.glob("*.txt"))
        }
        return tuple(sorted(found))

    def locales(self, intervention: str) -> tuple[str, ...]:
        """The locales ``intervention`` has a template in (packaged or the agency's)."""
        found = {
            normalise(p.stem)
            for d in self.dirs
            if (d / intervention).is_dir()
            for p in (d / intervention).glob("*.txt")
        }
        extra = sorted(found - set(SUPPORTED))
        return tuple(loc for loc in SUPPORTED if loc in found) + tuple(extra)

    def path(self, intervention: str, locale: str) -> Path | None:
        """The file that ``intervention`` in ``locale`` is read from (the agency's first)."""
        for d in self.dirs:
            candidate = d / intervention / f"{locale}.txt"
            if candidate.is_file():
                return candidate
        return None

    def _template(self, intervention: str, locale: str) -> tuple[Template, Path]:
        """The checked, compiled template and its file (loaded once)."""
        cached = self._compiled.get((intervention, locale))
        if cached is None:
            path = self.path(intervention, locale)
            if path is None:
                raise TemplateError(f"no template for {intervention!r} in locale {locale!r}")
            cached = self._compiled[(intervention, locale)] = (
                self._load(intervention, locale, path),
                path,
            )
        return cached

    def _load(self, intervention: str, locale: str, path: Path) -> Template:
        """Read, parse and check one template file."""
        name = f"{intervention}/{locale}.txt"
        source = path.read_text(encoding="utf-8")
        first, _, rest = source.partition("\n")
        if not first.startswith(SUBJECT):
            raise TemplateError(f"the first line must be '{SUBJECT} ...'", path=path, line=1)
        if rest.partition("\n")[0].strip():
            raise TemplateError("the second line must be blank (it ends the subject)",
                                path=path, line=2)  # fmt: skip
        env = self._text
        try:
            ast = env.parse(source, name, str(path))
            # compiled from this tree under the file's name, so render errors can name it
            code = env.compile(ast, name, str(path))
        except TemplateSyntaxError as exc:
            raise TemplateError(f"syntax error: {exc.message}", path=path, line=exc.lineno) from exc
        template = env.template_class.from_code(env, code, env.make_globals(None))
        allowed = set(PLACEHOLDERS)
        for node in ast.find_all(nodes.Name):
            if node.ctx == "load" and node.name not in allowed and not _assigned(ast, node.name):
                raise TemplateError(
                    f"unknown placeholder {node.name!r}; use one of {', '.join(PLACEHOLDERS)}",
                    path=path,
                    line=node.lineno,
                )
        return template

    def _layout_template(self) -> Template:
        """The HTML layout (the agency's or the packaged one), loaded once."""
        if self._layout is None:
            self._layout = self._html.get_template(LAYOUT)
        return self._layout

    def resolve(self, intervention: str, locale: str) -> str:
        """The locale whose template ``locale`` is rendered with (after fallback)."""
        used = self._resolved.get((intervention, locale))
        if used is not None:
            return used
        for candidate in fallback_chain(locale):
            if self.path(intervention, candidate) is not None:
                self._resolved[(intervention, locale)] = candidate
                return candidate
        known = ", ".join(self.interventions()) or "none"
        raise TemplateError(
            f"no template for {intervention!r} in {' / '.join(fallback_chain(locale))} "
            f"(interventions with templates: {known})"
        )

    def render(
        self,
        intervention: str,
        locale: str,
        *,
        facts: Facts,
        agency: AgencyInfo,
        recipient: str = "person",
        reference: str = "",
        sent_on: date | None = None,
    ) -> Rendered:
        """Render ``intervention`` for one person in ``locale`` (or its fallback).

        Args:
            intervention: catalogue key, e.g. ``warning_email``.
            locale: the recipient's locale (``locale_for``); falls back along the chain.
            facts: the person's own facts (``facts_for``).
            agency: the sending agency (name, phone, website, reply_to).
            recipient: ``person`` or ``parents`` (a minor's parents or guardians).
            reference: the case or message reference printed in the message.
            sent_on: the date the message is dated (default: today).
        """
        if recipient not in RECIPIENTS:
            raise TemplateError(f"recipient must be one of {RECIPIENTS}, not {recipient!r}")
        used = self.resolve(intervention, locale)
        template, path = self._template(intervention, used)
        context = _context(facts, agency, used, recipient, reference, sent_on or date.today())
        try:
            output = template.render(context)
        except JinjaError as exc:
            raise TemplateError(
                f"cannot render: {exc.message or exc}", path=path, line=_line(exc, template)
            ) from exc
        subject, _, body = output.partition("\n")
        subject = " ".join(subject.removeprefix(SUBJECT).split())
        # optional blocks may leave runs of blank lines: one blank line separates paragraphs
        text = _BLANKS.sub("\n\n", body.strip("\n")) + "\n"
        html = self._layout_template().render(
            lang=used,
            subject=subject,
            paragraphs=paragraphs(text),
            agency=agency,
            reference=reference,
        )
        return Rendered(used, subject, text, html)

    def check(self, intervention: str) -> None:
        """Compile and render every locale of ``intervention`` with sample facts.

        Raises ``TemplateError`` naming the file and line of the first problem.
        """
        locales = self.locales(intervention)
        if not locales:
            raise TemplateError(
                f"no template for {intervention!r} in {', '.join(self.dirs_text())}"
            )
        for loc in locales:
            for recipient in RECIPIENTS:
                self.render(
                    intervention,
                    loc,
                    facts=sample_facts(),
                    agency=SampleAgency(),
                    recipient=recipient,
                    reference="REF-0000",
                    sent_on=date(2026, 1, 15),
                )

    def dirs_text(self) -> list[str]:
        """The folders searched, as text for messages."""
        return [str(d) for d in self.dirs]


def _assigned(ast: nodes.Template, name: str) -> bool:
    """Whether the template itself sets ``name`` (``{% set %}``, a loop variable)."""
    return any(n.name == name and n.ctx in ("store", "param") for n in ast.find_all(nodes.Name))


def _line(exc: BaseException, template: Template) -> int | None:
    """The template line a render error happened on (from Jinja's rewritten traceback)."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == template.filename:
            line = frame.lineno
    return line


def _context(
    facts: Facts, agency: AgencyInfo, locale: str, recipient: str, reference: str, sent_on: date
) -> dict[str, Any]:
    return {
        "facts": facts,
        "platform": facts.platform,
        "platforms": facts.platforms,
        "username": facts.username,
        "registered": facts.registered,
        "masked_ip": facts.masked_ip,
        "accounts": facts.accounts,
        "attacks": facts.attacks,
        "logins": facts.logins,
        "payments": facts.payments,
        "minor": bool(facts.minor_now),
        "recipient": recipient,
        "agency": agency,
        "reference": reference,
        "sent_on": sent_on,
        "locale": locale,
    }
