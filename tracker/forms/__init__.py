"""tracker forms, one module per area."""
