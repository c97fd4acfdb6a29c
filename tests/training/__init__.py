"""Tests of `qa.training`."""
