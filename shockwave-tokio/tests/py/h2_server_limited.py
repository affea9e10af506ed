"""h2_server.py with SETTINGS_MAX_CONCURRENT_STREAMS 10 (--max-streams 10)."""

import os
import runpy
import sys

sys.argv = [sys.argv[0], *"--max-streams 10".split()]
runpy.run_path(os.path.join(os.path.dirname(os.path.abspath(__file__)), "h2_server.py"), run_name="__main__")
