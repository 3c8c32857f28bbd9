"""Who is at the keyboard: the OS login of the process (stdlib only, so that opening the
app can know it before SQLAlchemy loads; core.identity maps it to a user of the database)."""

from __future__ import annotations

import os
import pwd


def os_login() -> str:
    """The login name of the effective uid (not $USER, not $LOGNAME)."""
    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid{uid}"
