"""The splash page of a seized domain: every language, no external resources."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from intercop.casework.agencies import load_agencies
from intercop.cli.app import app
from intercop.outreach.locales import SUPPORTED
from intercop.outreach.splash import SplashError, load_texts, write_splash

EXTERNAL = re.compile(r"(https?:)?//[a-z0-9]|\bsrc\s*=|<link\b|@import|url\(", re.IGNORECASE)


def test_pages_in_every_language_without_external_urls(tmp_path: Path) -> None:
    result = write_splash("Booter.Example", tmp_path, agency=load_agencies()["NL"])
    assert result.domain == "booter.example"
    assert result.locales == SUPPORTED
    names = {p.name for p in result.files}
    assert names == {"index.html", *(f"index.{loc}.html" for loc in SUPPORTED)}
    texts = load_texts()
    for loc in SUPPORTED:
        page = (tmp_path / f"index.{loc}.html").read_text("utf-8")
        assert f'<html lang="{loc}">' in page
        assert texts[loc]["title"] in page and "booter.example" in page
        assert "Politie" in page and "<svg" in page
        assert not EXTERNAL.search(page), EXTERNAL.search(page)
    index = (tmp_path / "index.html").read_text("utf-8")
    assert not EXTERNAL.search(index)
    assert "<script>" in index and "navigator.languages" in index
    # without JavaScript: a plain link to every language
    for loc in SUPPORTED:
        assert f'href="index.{loc}.html"' in index


def test_locales_can_be_chosen_and_the_first_is_the_default(tmp_path: Path) -> None:
    result = write_splash("booter.example", tmp_path, locales=["fr", "nl"])
    assert result.locales == ("fr", "nl")
    index = (tmp_path / "index.html").read_text("utf-8")
    assert '<html lang="fr">' in index and "index.ja.html" not in index


@pytest.mark.parametrize("domain", ["not a domain", "<script>.example", "localhost", ""])
def test_bad_domain_is_refused(tmp_path: Path, domain: str) -> None:
    with pytest.raises(SplashError, match="not a domain name"):
        write_splash(domain, tmp_path)


def test_unknown_locale_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SplashError, match="xx"):
        write_splash("booter.example", tmp_path, locales=["en", "xx"])


def test_cli(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "site"
    ran = runner.invoke(app, ["-w", str(tmp_path / "nows"), "splash", "booter.example",
                              "--out", str(out), "--agency", "nl", "--locales", "nl,en,ja",
                              "--json"])  # fmt: skip
    assert ran.exit_code == 0, ran.output
    doc = json.loads(ran.stdout)
    assert doc["locales"] == ["nl", "en", "ja"] and (out / "index.ja.html").exists()
    bad = runner.invoke(app, ["splash", "booter.example", "--out", str(out), "--agency", "QQ"])
    assert bad.exit_code != 0
