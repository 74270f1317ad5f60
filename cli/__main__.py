"""`python -m cli`: the `pipedesk` command, where the script is not on PATH."""

import sys

from cli import main

main(sys.argv[1:])
