"""Rules: the one language of conditions, switch cases and segments (JOURNEY_FORMAT.md §1).

`validation` judges a rule's shape; `evaluation` compiles a valid rule into a predicate. Both are
pure Python so the journey validator, the engine and segment previews share them.
"""
