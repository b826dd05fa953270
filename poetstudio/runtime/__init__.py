"""What the engine and the trainer share: picking the device and dtype, padding rows, loading from the hub.

Nothing here imports the engine or the trainer, so training never pulls in the decode models.
"""
