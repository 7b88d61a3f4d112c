"""Collector: a desktop receivables ledger that chases unpaid invoices."""

__version__ = "0.1.0"
