"""Tests of `qa.index`."""
