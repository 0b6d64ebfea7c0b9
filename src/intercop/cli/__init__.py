"""Command line: thin Typer edges over the core; one module per command group."""
