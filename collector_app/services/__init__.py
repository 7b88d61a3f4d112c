"""Use cases: the only code that writes the ledger; the GUI and the CLI both call these."""
