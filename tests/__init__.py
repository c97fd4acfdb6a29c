"""The tests, one folder per stage of `qa/`, as the package is laid out."""
