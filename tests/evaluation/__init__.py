"""Tests of `qa.evaluation`."""
