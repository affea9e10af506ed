"""h2_server.py with a GOAWAY after the first connection's fifth request (--goaway-after 5)."""

import os
import runpy
import sys

sys.argv = [sys.argv[0], *"--goaway-after 5".split()]
runpy.run_path(os.path.join(os.path.dirname(os.path.abspath(__file__)), "h2_server.py"), run_name="__main__")
