"""Every kind of core.catalog keeps the write path's contract (issue 16): a valid
record is written with exactly one audit event, bad input names the field and writes
nothing, a viewer is refused, a stale version is a conflict, what ``list`` gives out
``add`` takes back, withdraw and restore, reviews follow the cadence, reminders see
the due dates, and the JSON export carries the rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from aims_tui.core import catalog, reminders
from aims_tui.core.errors import Conflict, PermissionDenied, ValidationError
from aims_tui.core.services import registers, withdrawal

from ..conftest import EDITOR, TODAY, VIEWER
from ..core.helpers import audit_actions
from .examples import EXAMPLES

KINDS = sorted(catalog.KINDS)


def _rows(db, k):
    with db.read() as s:
        return [tuple(r) for r in s.exec(select(k.model)).all()]


def _made(db, entity):
    ex = EXAMPLES[entity]
    ex.setup(db)
    return registers.create(db, EDITOR, entity, ex.valid, today=TODAY)


def test_every_kind_has_an_example():
    assert sorted(EXAMPLES) == KINDS


def test_every_field_label_fits_the_forms_label_column():
    """The form's label column is 20 cells: 'Internal or external' ran into its list."""
    long = [f"{k.entity}.{n}: {k.label(n)!r}" for k in catalog.ALL for n in k.specs if len(k.label(n)) > 19]
    assert not long, long


def test_the_catalog_is_not_empty_and_refs_are_unique_per_kind():
    assert KINDS
    prefixes = [k.prefix for k in catalog.ALL]
    assert len(set(prefixes)) == len(prefixes)


@pytest.mark.parametrize("entity", KINDS)
def test_a_valid_record_is_written_with_one_audit_event_naming_it(db, entity):
    r = _made(db, entity)
    k = catalog.KINDS[entity]
    assert r["ref"].startswith(k.prefix + "-") and r["version"] == 1
    for name, value in EXAMPLES[entity].valid.items():
        if name not in k.links and k.specs[name].kind in ("text", "longtext", "choice"):
            assert r[name] == value, name
    assert audit_actions(db, r["ref"]) == ["create"]
    assert registers.show(db, entity, r["ref"])["ref"] == r["ref"]


@pytest.mark.parametrize("entity", KINDS)
def test_bad_input_names_the_field_and_writes_nothing(db, entity):
    ex = EXAMPLES[entity]
    ex.setup(db)
    k = catalog.KINDS[entity]
    before = _rows(db, k)
    data, field = ex.bad
    with pytest.raises(ValidationError) as exc:
        registers.create(db, EDITOR, entity, data, today=TODAY)
    assert exc.value.field == field and field in str(exc.value)
    assert _rows(db, k) == before


@pytest.mark.parametrize("entity", KINDS)
def test_a_misspelt_field_is_named(db, entity):
    EXAMPLES[entity].setup(db)
    with pytest.raises(ValidationError) as exc:
        registers.create(db, EDITOR, entity, {**EXAMPLES[entity].valid, "titel": "x"}, today=TODAY)
    assert exc.value.field == "titel"


@pytest.mark.parametrize("entity", KINDS)
def test_a_viewer_is_refused_naming_the_role(db, entity):
    EXAMPLES[entity].setup(db)
    with pytest.raises(PermissionDenied) as exc:
        registers.create(db, VIEWER, entity, EXAMPLES[entity].valid, today=TODAY)
    assert "viewer" in str(exc.value)


@pytest.mark.parametrize("entity", KINDS)
def test_a_change_at_a_stale_version_is_a_conflict_and_writes_nothing(db, entity):
    r = _made(db, entity)
    ex = EXAMPLES[entity]
    r2 = registers.update(db, EDITOR, entity, r["ref"], ex.change, expect_version=1, today=TODAY)
    assert r2["version"] == 2
    assert audit_actions(db, r["ref"]) == ["create", "update"]
    with pytest.raises(Conflict) as exc:
        registers.update(db, EDITOR, entity, r["ref"], ex.change, expect_version=1, today=TODAY)
    assert exc.value.current["version"] == 2
    assert audit_actions(db, r["ref"]) == ["create", "update"]


@pytest.mark.parametrize("entity", KINDS)
def test_what_list_gives_out_add_takes_back(db, entity):
    r = _made(db, entity)
    listed = registers.listing(db, entity)
    again = registers.create_many(db, EDITOR, entity, listed, today=TODAY)
    k = catalog.KINDS[entity]
    for name in k.specs:
        if name not in ("next_review",):
            assert again[0][name] == r[name], name
    assert again[0]["ref"] != r["ref"]


@pytest.mark.parametrize("entity", KINDS)
def test_a_batch_with_one_bad_item_writes_none_and_names_the_item(db, entity):
    ex = EXAMPLES[entity]
    ex.setup(db)
    k = catalog.KINDS[entity]
    before = _rows(db, k)
    with pytest.raises(ValidationError) as exc:
        registers.create_many(db, EDITOR, entity, [ex.valid, ex.bad[0]], today=TODAY)
    assert "item 2" in str(exc.value)
    assert _rows(db, k) == before


@pytest.mark.parametrize("entity", KINDS)
def test_a_withdrawn_record_leaves_the_list_and_is_restored(db, entity):
    r = _made(db, entity)
    withdrawal.withdraw(db, EDITOR, entity, r["ref"], reason="made by mistake")
    assert registers.listing(db, entity) == []
    assert [x["ref"] for x in registers.listing(db, entity, include_withdrawn=True)] == [r["ref"]]
    with pytest.raises(ValidationError):
        registers.update(db, EDITOR, entity, r["ref"], EXAMPLES[entity].change, today=TODAY)
    withdrawal.restore(db, EDITOR, entity, r["ref"])
    assert [x["ref"] for x in registers.listing(db, entity)] == [r["ref"]]
    assert audit_actions(db, r["ref"]) == ["create", "withdraw", "restore"]


@pytest.mark.parametrize("entity", [e for e in KINDS if hasattr(catalog.KINDS[e].model, "last_reviewed")])
def test_a_review_moves_the_next_review_by_the_cadence(db, entity):
    r = _made(db, entity)
    later = TODAY + timedelta(days=40)
    out = registers.mark_reviewed(db, EDITOR, entity, r["ref"], r["version"], note="still true", today=later)
    assert out["last_reviewed"] == later
    if out.get("review_cadence"):
        assert out["next_review"] > later
    assert audit_actions(db, r["ref"])[-1] == "review"


@pytest.mark.parametrize("entity", [e for e in KINDS if catalog.KINDS[e].due])
def test_a_due_date_of_an_open_record_is_a_reminder_and_a_closed_one_is_not(db, entity):
    k = catalog.KINDS[entity]
    r = _made(db, entity)
    due = k.due[0]
    registers.update(db, EDITOR, entity, r["ref"], {due.field: (TODAY - timedelta(days=3)).isoformat()},
                     today=TODAY)
    found = reminders.due_items(db, today=TODAY)
    mine = [i for i in found.items if i.ref == r["ref"]]
    assert mine and mine[0].state == "overdue" and mine[0].kind == f"{entity}_{due.field}"
    if k.closed:
        registers.update(db, EDITOR, entity, r["ref"], {k.status_field: k.closed[0]}, today=TODAY)
        assert not [i for i in reminders.due_items(db, today=TODAY).items if i.ref == r["ref"]]
