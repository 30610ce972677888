"""lamlife command-line interface (typer).

Options in, calls into lifecycle and reports, exit codes out.
"""
