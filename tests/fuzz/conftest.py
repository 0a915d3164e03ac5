"""The fast-path tests import the reference implementations and texts kept beside them."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
