"""lamlife command-line interface (typer): options in, calls into lifecycle and reports, exit codes out."""
