"""How an alert reads: the public name of ``monitor.deliver.alert_text``.

Notifier plugins import ``monitor.alert_text``; the code lives with the rest
of delivery. Everything in its ``__all__`` is here under the same names.
"""

from .deliver.alert_text import *  # noqa: F403 - this module is the public alias
from .deliver.alert_text import SUBJECT_LIMIT as SUBJECT_LIMIT
from .deliver.alert_text import __all__ as __all__
