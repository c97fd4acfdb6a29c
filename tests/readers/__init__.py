"""Tests of `qa.readers`."""
