"""The days the register is read as of, on the command line: every ``--as-of`` and
``aims diff``'s dates go through one parser (aims_tui/cli/common.as_of_day over
core.history.parse_day): YYYY-MM-DD only, and not a day after today (the app's date dialog
refuses it with the same words), each refusal one line naming the option, exit 2."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from .test_cli_runner import Cli

AS_OF = {  # every command with --as-of that reads the register as it was (none of them looks ahead)
    "risks list": ["risks", "list"],
    "systems list": ["systems", "list"],
    "export register": ["export", "register", "--out", "-"],
    "export soa": ["export", "soa", "--out", "-"],
    "export pack": ["export", "pack"],
    "check": ["check"],
    "readiness": ["readiness"],
}
EVERY = {**AS_OF, "reminders": ["reminders"]}


@pytest.fixture
def cli(monkeypatch, tmp_path) -> Cli:
    return Cli(monkeypatch, tmp_path / "aims.db")


def _future_line(option: str, day: date) -> str:
    return (f"aims: {option}: {day.isoformat()} is in the future; the register can be viewed as of today "
            f"({date.today().isoformat()}) or an earlier day")


@pytest.mark.parametrize("command", AS_OF)
def test_an_as_of_after_today_is_refused_in_one_line_naming_the_option(cli, command):
    """The case: `risks list --as-of 2030-01-01` printed today's register without comment and
    `export pack --as-of 2027-01-01` wrote a pack 'as of' a day to come, with projected overdue counts."""
    later = date.today() + timedelta(days=1)
    r = cli(*AS_OF[command], "--as-of", later.isoformat(), code=2)
    assert r.output.strip().splitlines() == [_future_line("--as-of", later)]
    assert not cli.path.exists()  # refused before a database is opened


@pytest.mark.parametrize("value", ["30/06/2026", "20260615", "2026-6-15", "2026-02-30"])
@pytest.mark.parametrize("command", EVERY)
def test_a_day_not_written_yyyy_mm_dd_is_refused_with_the_same_line_everywhere(cli, command, value):
    """The cases: `20260101` was taken while `2026-1-1` was refused; reminders, check and
    readiness said it in other words than risks list and the exports."""
    r = cli(*EVERY[command], "--as-of", value, code=2)
    assert r.output.strip().splitlines() == [
        f"aims: --as-of: '{value}' is not a date (use YYYY-MM-DD, e.g. 2026-06-15)"]


def test_today_and_an_earlier_day_are_taken(cli):
    cli("init", "--org", "Acme AI")
    for day in (date.today(), date.today() - timedelta(days=3)):
        assert cli("risks", "list", "--as-of", day.isoformat(), "--format", "json").stdout.strip() == "[]"
        assert json.loads(cli("check", "--as-of", day.isoformat(), "--format", "json", code=3).stdout)["as_of"] \
            == day.isoformat()


def test_reminders_as_of_a_later_day_look_ahead_as_documented(cli):
    """`aims reminders --as-of DAY` computes what is due as if today were that day (README): a
    later day is the plan ahead, not the register of a day to come, so it is taken."""
    cli("init", "--org", "Acme AI")
    later = date.today() + timedelta(days=30)
    assert cli.json("reminders", "--as-of", later.isoformat())["as_of"] == later.isoformat()


def test_diff_refuses_a_later_day_as_either_date(cli):
    """The case: `aims diff 2026-11-01 2027-01-01` listed acceptances that would lapse by then."""
    later = date.today() + timedelta(days=1)
    r = cli("diff", (date.today() - timedelta(days=30)).isoformat(), later.isoformat(), code=2)
    assert r.output.strip().splitlines() == [_future_line("DATE2", later)]
    r = cli("diff", later.isoformat(), code=2)
    assert r.output.strip().splitlines() == [_future_line("DATE1", later)]


def test_diff_without_a_date_says_what_it_takes(cli):
    """The case: it said 'give two dates' though the second one is optional."""
    r = cli("diff", code=2)
    assert r.output.strip().splitlines() == [
        "aims: give the day to start from, and the day to end at if not today "
        "(aims diff 2026-05-01 [2026-06-01]), or --since-review MR-... [DATE]"]


def test_the_cli_refuses_a_later_day_in_the_words_of_the_apps_date_dialog():
    """One wording for one rule: core.history's, which the app's date (D) says too."""
    from aims_tui.core import history
    from aims_tui.core.errors import ValidationError
    from aims_tui.tui.dialogs.as_of import FIELD, parse_as_of

    today, later = date(2026, 6, 15), date(2026, 7, 1)
    with pytest.raises(ValueError) as app_said:
        parse_as_of(later.isoformat(), today)
    with pytest.raises(ValidationError) as cli_said:
        history.parse_day(later.isoformat(), FIELD, today=today)
    assert str(app_said.value) == str(cli_said.value) == f"{FIELD}: {history.future_day_message(later, today)}"
