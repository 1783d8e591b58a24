"""Writes for OKRs, one module per concern."""
