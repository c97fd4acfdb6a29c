"""Ask: from a question to a cited `Result`: follow-ups, retrieval, the reader, citations."""
