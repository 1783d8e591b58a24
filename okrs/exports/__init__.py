"""Scorecard exports (CSV, XLSX, PDF, PPTX), all written from one input: okrs.exports.document."""
