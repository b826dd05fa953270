"""poetstudio's trainer: a LoRA fine-tuner for poet-conditioned verse, and a from-scratch base-model builder."""
