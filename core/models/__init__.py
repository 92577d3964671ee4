from core.models.apikey import ApiKey, Scope
from core.models.contact import Contact
from core.models.event import Event
from core.models.segment import Segment
from core.models.workspace import Membership, Role, SuppressionEntry, Workspace

__all__ = [
    "ApiKey",
    "Contact",
    "Event",
    "Membership",
    "Role",
    "Scope",
    "Segment",
    "SuppressionEntry",
    "Workspace",
]
