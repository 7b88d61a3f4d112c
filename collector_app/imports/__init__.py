"""Readers for files other programs export: invoices (CSV, XLSX, UBL, ISDOC, KSeF) and bank statements."""
