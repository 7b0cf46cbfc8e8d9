"""``python -m libops.verify BUNDLE [--kept FILE] [--public-key HEX]``: check an audit bundle."""

import sys

from libops.verify import main

sys.exit(main())
