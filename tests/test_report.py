from collections import Counter

import pytest

from selfreflect.report import AccountingError, Report, StepStats


def _report(n_in, kept, dropped_reason):
    return Report(
        input=n_in,
        kept=kept,
        rejected=n_in - kept,
        steps=[
            StepStats("read", in_=n_in, out=n_in),
            StepStats(
                "f",
                in_=n_in,
                out=kept,
                dropped=n_in - kept,
                reasons=Counter({dropped_reason: n_in - kept}),
                counters=Counter(calls=2),
            ),
        ],
    )


def test_reports_of_shards_add_up():
    total = _report(10, 7, "short") + _report(5, 5, "short") + _report(4, 1, "long")
    total.check()
    data = total.to_json()
    assert (data["input"], data["kept"], data["rejected"]) == (19, 13, 6)
    assert data["steps"][1]["reasons"] == {"long": 3, "short": 3}
    assert data["steps"][1]["counters"] == {"calls": 6}


def test_json_round_trip():
    rep = _report(10, 7, "short")
    assert Report.from_json(rep.to_json()).to_json() == rep.to_json()


def test_check_catches_lost_records():
    rep = _report(10, 7, "short")
    rep.kept = 6
    with pytest.raises(AccountingError, match="input 10"):
        rep.check()


def test_table_shows_every_step_and_totals():
    table = _report(10, 7, "short").table()
    assert "short=3" in table and "input 10  kept 7  rejected 3" in table
