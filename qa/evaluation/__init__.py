"""Evaluation: question-answer files, metrics, runs through `Bot.ask`, and reports."""
