"""``python -m lamlife``: the same command line as the ``lamlife`` script."""

from lamlife.cli.main import main

if __name__ == "__main__":
    main()
