"""Index: from `Article`s to a searchable index on disk: passages, embeddings in a dense store, BM25."""
