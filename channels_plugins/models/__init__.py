# new_hook_token is named by migration 0001 as channels_plugins.models.new_hook_token.
from channels_plugins.models.accounts import ChannelAccount, new_hook_token
from channels_plugins.models.gates import AccountGate, BreakerState
from channels_plugins.models.outbox import Message, MessageCategory, MessageStatus
from channels_plugins.models.tokens import ProviderToken
from channels_plugins.models.unusable import UnusableAddress

__all__ = [
    "AccountGate",
    "BreakerState",
    "ChannelAccount",
    "Message",
    "MessageCategory",
    "MessageStatus",
    "ProviderToken",
    "UnusableAddress",
    "new_hook_token",
]
