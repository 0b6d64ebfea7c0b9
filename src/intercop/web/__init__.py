"""The analysts' web application and REST API: a thin edge over the core packages.

``intercop.web.app.create_app`` builds the FastAPI application for one workspace.
Pages are rendered on the server from one context per page; the same context's
``data`` is the page's JSON twin (``/persons/X`` and ``/persons/X.json``).
"""
