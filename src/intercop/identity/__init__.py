"""Identity: normalised identifiers and, later, accounts resolved into persons."""
