"""``python -m ucwaformat``."""

import sys

try:
    from .cli import main
except KeyboardInterrupt:
    # Ctrl-C while the command is still being imported (a busy machine takes a second):
    # the status main() gives an interrupt, without a traceback.
    sys.exit(130)

sys.exit(main())
