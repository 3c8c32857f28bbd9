"""The roles and what each may do: constants only, importable without the ORM
(the app checks them before its first paint; core.identity re-exports them)."""

from __future__ import annotations

ADMIN = ("admin",)
APPROVE = ("admin", "approver")
EDIT = ("admin", "approver", "editor")
READ = ("admin", "approver", "editor", "viewer")

ROLE_RANK = {"viewer": 0, "editor": 1, "approver": 2, "admin": 3}
