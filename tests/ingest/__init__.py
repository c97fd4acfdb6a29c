"""Tests of `qa.ingest`."""
