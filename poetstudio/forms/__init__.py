"""Writing to a form: the catalogue of forms and the spec grammar (torch-free), the line-by-line writer that
decides which tokens keep a line inside its form, and the checker that marks which lines meet it.

Import the submodules directly; this package's own import loads nothing (the analyzer imports the catalogue).
"""
