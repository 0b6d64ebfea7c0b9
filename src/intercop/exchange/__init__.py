"""International exchange: sharing with partner agencies and privacy-preserving overlap."""
