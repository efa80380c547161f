#!/usr/bin/env python3
"""opinion-ecology command line: ``python run.py --help``."""

import sys

from sim.face.cli import main

if __name__ == "__main__":
    sys.exit(main())
