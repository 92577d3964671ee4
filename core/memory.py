"""Keeping what Django builds at startup out of the cyclic garbage collector's way.

A process's modules, classes, functions and settings (about 150,000 objects once Touchflow has
started) live as long as the process, yet every full collection traversed all of them: 90 to
190 ms each in a worker walking journeys, 3 to 5 % of an engine run that had one. `gc.freeze`
moves the objects that exist when startup ends into a generation no collection scans; objects
made afterwards are collected as before, and frozen ones are still freed by reference counting.
"""

from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Called once Django's apps are loaded (CoreConfig.ready): every object made so far is
    startup state. Calling it again freezes what was made since, which is harmless."""
    gc.freeze()
