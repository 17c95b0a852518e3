"""The ``kb`` command line: a thin shell over the operations (`ops`). Each command parses its
options, calls one operation and prints its result; modules load what a command needs when it
runs, so that ``kb --help`` starts at once."""
