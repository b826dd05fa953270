"""The generation engine: the only part of poetstudio (besides the trainer) that imports torch."""
