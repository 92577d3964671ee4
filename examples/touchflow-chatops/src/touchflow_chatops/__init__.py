"""An example Touchflow plugin: the `chatops` channel and its JSON-webhook provider."""
