"""Evidence: seized files -> immutable, queryable datasets in the vault."""
