"""poetstudio: a keyboard-driven terminal poetry studio that blends the voices of poets."""

__version__ = "0.1.0"
