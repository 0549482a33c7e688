"""One module per command: each wires the stages for `credittool <command>`."""
