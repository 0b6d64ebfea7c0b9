"""Lawful processing (Law Enforcement Directive 2016/680): retention, log categories,
data-subject categories. See ``docs/lawful.md``."""
