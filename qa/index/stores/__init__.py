"""Dense stores: where passages and their embeddings live (FAISS on disk, or a Milvus server)."""
