"""Readers: from retrieved passages to answer spans (`qa.readers.choose` makes one by name)."""
