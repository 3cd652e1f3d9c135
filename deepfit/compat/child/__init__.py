"""Start-up code for the Python child processes of `deepfit run` (see sitecustomize.py)."""
