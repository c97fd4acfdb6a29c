"""Training the learned reader: fine-tuning, the "no answer" calibration, the model card."""
