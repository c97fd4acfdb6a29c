"""The learned reader: the span-extraction model trained here, its windows and its calibrated "no answer"."""
