"""The bench's machine-speed figure: this run's hand-SQL floors over the reference run's."""

from bench import machine


def _floor(figure, scope, median):
    return {"figure": figure, "scope": scope, "median_ms": median}


def test_the_median_ratio_of_the_floors_at_the_reference_scale():
    rows = [
        _floor("hand-SQL view /api/people/", "station", 2.8),  # 2.0x
        _floor("hand-SQL view /api/people/", "corps", 3.4),  # 2.0x
        _floor("hand-SQL view /api/talks/records/", "corps", 8.1),  # 3.0x
        _floor("API /api/people/ / plain DRF", "corps", 99.0),  # not a floor of the reference
    ]
    (row,) = machine.speed(rows, machine.REFERENCE_UNITS)
    assert row["section"] == "machine" and row["value"] == 2.0 and row["met"] is None


def test_no_figure_on_other_data():
    rows = [_floor("hand-SQL view /api/people/", "station", 2.8)]
    assert machine.speed(rows, 12) == []
    assert machine.speed([], machine.REFERENCE_UNITS) == []
