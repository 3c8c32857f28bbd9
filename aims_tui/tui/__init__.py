"""The Textual app. Imported only when the app opens.

Python's cycle collector is off from here until the app's first screen has shown its data
(``start_up_done``, called half a second after that, or FIRST_PAINT_LATEST after mount at
the latest). Start-up allocates a few hundred thousand objects that live as long as the app
(Textual's classes, styles, the screen's widgets), and each full collection walks all of
them: measured in the benchmark, the first paint's CPU fell by a tenth on the register and
by a quarter through the dashboard (issue 15). Then the collector is on again, with what
start-up made frozen (``gc.freeze``): later collections, while the user types, skip it.
What start-up made and later lets go (the dashboard's widgets, once the user has moved on) is
freed by reference counting as before; only what it leaves in reference cycles stays, once.
A process that imports the app and never runs it (a test session, ``aims --screen`` with a
wrong name) turns it on again with ``start_up_done``, or ends first.
"""

import gc

_held = gc.isenabled()
if _held:
    gc.disable()


def start_up_done() -> None:
    """The collector on again (once), with what start-up made frozen."""
    global _held
    if _held:
        _held = False
        gc.freeze()
        gc.enable()
