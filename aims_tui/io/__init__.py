"""Imports and exports that are not PDF: CSV, XLSX, JSON."""
