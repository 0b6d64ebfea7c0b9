"""Accounts for the web app and the API: passwords, API tokens, sessions, login throttling.

A pure core over the case store, without HTTP: the web edge calls these functions, and
so do the ``intercop user`` and ``intercop token`` commands.
"""
