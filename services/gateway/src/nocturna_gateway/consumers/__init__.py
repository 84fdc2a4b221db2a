"""Event subscribers of the gateway (translate only)."""
