"""The one write path. Every use case, one module per subject.

Each write service takes the database, the acting login and plain input; it
validates (ValidationError naming the field), checks the actor's role
(PermissionDenied naming the role needed), checks the version it was given
(Conflict carrying the current values), writes the change and its audit event in
one transaction, and returns plain data (dicts).
"""
