"""CSV cells never start a spreadsheet formula (security review finding 11)."""

import csv
import io

import pytest

from outreach.audit.csv_cells import safe_cell, safe_writer


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+13125550100", "'+13125550100"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t'=1"),
        ("\r=1", "'\r'=1"),
        ("  =1", "  '=1"),
        ("ok;=1+1", "ok;'=1+1"),
        ("ok,=1+1", "ok,'=1+1"),
        ("ok|=1+1", "ok|'=1+1"),
        ("ok\t@x", "ok\t'@x"),
        ('ok; "=1+1"', 'ok; "\'=1+1"'),
        ("line\n=cmd", "line\n'=cmd"),
    ],
)
def test_it_puts_an_apostrophe_wherever_a_formula_could_start(value, expected):
    assert safe_cell(value) == expected


@pytest.mark.parametrize(
    "value", ["plain text", "pay 50-60 a month", "a=b", "2026-05-04T12:00:00+00:00", "LN-1"]
)
def test_it_leaves_text_without_a_formula_start_alone(value):
    assert safe_cell(value) == value


def test_it_leaves_numbers_and_empty_cells_alone():
    assert [safe_cell(v) for v in (-5, 3.5, None, "")] == [-5, 3.5, None, ""]


def test_it_neutralises_every_cell_a_safe_writer_writes():
    buffer = io.StringIO()
    safe_writer(buffer).writerow(["=a", 1, "x;@b", None])
    assert next(csv.reader(io.StringIO(buffer.getvalue()))) == ["'=a", "1", "x;'@b", ""]
