"""The generation engine. `api` is its torch-free contract with the studio and the commands; the rest, with
`poetstudio.runtime` and the trainer, is where torch is imported (docs/DEVELOPING.md, Layers)."""
