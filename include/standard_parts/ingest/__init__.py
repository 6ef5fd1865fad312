"""Ingestion: landing files -> line-numbered UTF-8 -> SQL row rules -> accepted tables + quarantine."""
