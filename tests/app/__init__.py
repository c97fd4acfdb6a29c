"""Tests of `qa.app`."""
