"""Readers for article formats that need a library to get at the text: saved web pages, PDFs, CSV tables.

Each turns one file's bytes or text into what `qa.ingest.read` builds `Article`s from, and raises
`qa.errors.ArticleError` with the reason when it cannot. The plain formats (`.txt`, `.md`, `.json`, `.jsonl`)
stay in `qa.ingest.read` and `qa.ingest.records`.
"""
