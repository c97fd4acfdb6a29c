"""Follow-up questions: what "he", "it", "there" and "And the US?" mean after the turns before them."""
