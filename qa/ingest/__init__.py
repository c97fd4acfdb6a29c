"""Ingest: from files in a folder to `Article`s: finding, decoding, formats, records, cleaning, de-duplication."""
