"""The rule-based reader: answer spans found by linguistic rules over spaCy parses."""
