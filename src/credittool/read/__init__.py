"""Read: input files → sheets of typed cells. What is read (`inputs`), checked before any
parser runs (`preflight/`), parsed (`readers`), and what a file may cost (`limits`)."""
