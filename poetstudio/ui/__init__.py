"""The studio: a Textual app. Nothing here imports torch, transformers or peft."""
