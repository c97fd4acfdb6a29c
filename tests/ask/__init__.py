"""Tests of `qa.ask`."""
