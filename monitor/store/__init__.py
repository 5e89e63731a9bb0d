"""Storage: the only code that knows SQLAlchemy.

The rest of the service uses ``Store`` and the plain data it takes and
returns; the modules beside it (schema, migrations, one file of queries per
table group) are its insides.
"""

from .db import ArticleConflict, DeadLetter, Store
from .engine import SchemaError, head_revision
from .facts import BaselineFact, FactOverview
from .feeds import FeedState
from .instances import InstanceStatus, StatusReport
from .intents import AlertMaterial, Decide, FeedRelease, NewArticle, Outlets
from .outbox import OutboxRow, alert_id
from .retention import PruneReport
from .stories import StoryBaseline
from .views import ArticleRef, ChangeView, Delivery, FactHistory, FactView, Health, StoredCounts

__all__ = [
    "AlertMaterial",
    "ArticleConflict",
    "ArticleRef",
    "BaselineFact",
    "ChangeView",
    "DeadLetter",
    "Decide",
    "Delivery",
    "FactHistory",
    "FactOverview",
    "FactView",
    "FeedRelease",
    "FeedState",
    "Health",
    "InstanceStatus",
    "NewArticle",
    "OutboxRow",
    "Outlets",
    "PruneReport",
    "SchemaError",
    "StatusReport",
    "Store",
    "StoredCounts",
    "StoryBaseline",
    "alert_id",
    "head_revision",
]
