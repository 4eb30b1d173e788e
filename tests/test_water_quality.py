"""Grades by GB 3838-2002's single-factor method, with every expected value worked out by hand
from the standard's Table 1 (mg/L):

    DO >= 7.5, 6, 5, 3, 2;  CODMn <= 2, 4, 6, 10, 15;  COD <= 15, 15, 20, 30, 40;
    BOD5 <= 3, 3, 4, 6, 10;  NH3-N <= 0.15, 0.5, 1.0, 1.5, 2.0;
    TP <= 0.02, 0.1, 0.2, 0.3, 0.4 (lakes 0.01, 0.025, 0.05, 0.1, 0.2);
    TN (lakes only) <= 0.2, 0.5, 1.0, 1.5, 2.0.
"""

from decimal import Decimal as D

import pytest

from rivers.water_quality import assess, parameter_class, physical_range_problem

# (parameter, value, class): a value inside each class, and each limit exactly (which belongs to
# the class it bounds), and just beyond V.
RIVER_CASES = [
    # dissolved oxygen: a floor
    ("do", "9.0", "I"),
    ("do", "7.5", "I"),
    ("do", "7.49", "II"),
    ("do", "6", "II"),
    ("do", "5.5", "III"),
    ("do", "5", "III"),
    ("do", "4", "IV"),
    ("do", "3", "IV"),
    ("do", "2.5", "V"),
    ("do", "2", "V"),
    ("do", "1.99", "worse_than_V"),
    ("do", "0", "worse_than_V"),
    # permanganate index
    ("codmn", "1.5", "I"),
    ("codmn", "2", "I"),
    ("codmn", "2.01", "II"),
    ("codmn", "4", "II"),
    ("codmn", "6", "III"),
    ("codmn", "8", "IV"),
    ("codmn", "10", "IV"),
    ("codmn", "15", "V"),
    ("codmn", "15.1", "worse_than_V"),
    # COD: I and II share 15, so 15 is class I and II is never reached
    ("cod", "10", "I"),
    ("cod", "15", "I"),
    ("cod", "15.5", "III"),
    ("cod", "20", "III"),
    ("cod", "25", "IV"),
    ("cod", "30", "IV"),
    ("cod", "35", "V"),
    ("cod", "40", "V"),
    ("cod", "40.1", "worse_than_V"),
    # BOD5: I and II share 3
    ("bod5", "2", "I"),
    ("bod5", "3", "I"),
    ("bod5", "3.5", "III"),
    ("bod5", "4", "III"),
    ("bod5", "6", "IV"),
    ("bod5", "8", "V"),
    ("bod5", "10", "V"),
    ("bod5", "11", "worse_than_V"),
    # ammonia nitrogen
    ("nh3n", "0.1", "I"),
    ("nh3n", "0.15", "I"),
    ("nh3n", "0.16", "II"),
    ("nh3n", "0.5", "II"),
    ("nh3n", "0.8", "III"),
    ("nh3n", "1.0", "III"),
    ("nh3n", "1.5", "IV"),
    ("nh3n", "1.8", "V"),
    ("nh3n", "2.0", "V"),
    ("nh3n", "2.01", "worse_than_V"),
    # total phosphorus, river limits
    ("tp", "0.01", "I"),
    ("tp", "0.02", "I"),
    ("tp", "0.05", "II"),
    ("tp", "0.1", "II"),
    ("tp", "0.2", "III"),
    ("tp", "0.25", "IV"),
    ("tp", "0.3", "IV"),
    ("tp", "0.4", "V"),
    ("tp", "0.41", "worse_than_V"),
]

LAKE_CASES = [
    ("tp", "0.01", "I"),
    ("tp", "0.02", "II"),  # class I on a river
    ("tp", "0.025", "II"),
    ("tp", "0.05", "III"),
    ("tp", "0.08", "IV"),
    ("tp", "0.1", "IV"),  # class II on a river
    ("tp", "0.2", "V"),
    ("tp", "0.21", "worse_than_V"),
    ("tn", "0.2", "I"),
    ("tn", "0.3", "II"),
    ("tn", "0.5", "II"),
    ("tn", "1.0", "III"),
    ("tn", "1.2", "IV"),
    ("tn", "1.5", "IV"),
    ("tn", "2.0", "V"),
    ("tn", "2.5", "worse_than_V"),
    ("do", "7.5", "I"),
    ("codmn", "6", "III"),
]


@pytest.mark.parametrize(("parameter", "value", "grade"), RIVER_CASES)
def test_each_parameter_is_classed_by_the_river_limits(parameter, value, grade):
    assert parameter_class(parameter, D(value), "river") == grade
    # alone in a reading, it decides the grade
    result = assess({parameter: D(value)}, water_body="river", target="III")
    assert (result.grade, result.deciding) == (grade, [parameter])


@pytest.mark.parametrize(("parameter", "value", "grade"), LAKE_CASES)
def test_lakes_use_the_lake_phosphorus_limits_and_grade_nitrogen(parameter, value, grade):
    assert assess({parameter: D(value)}, water_body="lake", target="III").grade == grade


def test_total_nitrogen_does_not_count_on_a_river():
    result = assess({"tn": D("5"), "nh3n": D("0.4")}, water_body="river", target="III")
    assert result.grade == "II"
    assert result.deciding == ["nh3n"]
    assert result.exceedances == {}
    assert assess({"tn": D("5")}, water_body="river", target="III").grade is None


def test_the_worst_parameter_decides_and_every_parameter_tied_at_it_is_deciding():
    values = {
        "do": D("6.5"),  # II
        "codmn": D("7"),  # IV
        "cod": D("18"),  # III
        "bod5": D("5"),  # IV
        "nh3n": D("1.2"),  # IV
        "tp": D("0.15"),  # III
    }
    result = assess(values, water_body="river", target="III")
    assert result.grade == "IV"
    assert result.deciding == ["codmn", "bod5", "nh3n"]
    assert result.meets_target is False
    # 7/6 - 1 = 0.1666.. -> 0.17; 5/4 - 1 = 0.25; 1.2/1.0 - 1 = 0.20; the others are within III
    assert result.exceedances == {"codmn": D("0.17"), "bod5": D("0.25"), "nh3n": D("0.20")}


def test_a_reading_at_its_target_meets_it_and_exceeds_nothing():
    values = {"do": D("5"), "codmn": D("6"), "cod": D("20"), "nh3n": D("1.0"), "tp": D("0.2")}
    result = assess(values, water_body="river", target="III")
    assert result.grade == "III"
    assert result.deciding == ["do", "codmn", "cod", "nh3n", "tp"]
    assert result.meets_target is True
    assert result.exceedances == {}


def test_a_better_grade_than_the_target_meets_it():
    result = assess({"nh3n": D("0.1")}, water_body="river", target="II")
    assert (result.grade, result.meets_target) == ("I", True)


def test_worse_than_v_by_dissolved_oxygen_alone_gets_no_multiple():
    # DO 1.0 is below V's floor of 2: 劣V, but 环办〔2011〕22号 gives DO no exceedance multiple.
    result = assess({"do": D("1.0"), "nh3n": D("0.5")}, water_body="river", target="III")
    assert result.grade == "worse_than_V"
    assert result.deciding == ["do"]
    assert result.meets_target is False
    assert result.exceedances == {}


def test_exceedance_multiples_against_the_target_limit():
    # target II: NH3-N limit 0.5, TP 0.1, COD 15, CODMn 4
    values = {"nh3n": D("3.2"), "tp": D("0.13"), "cod": D("15"), "codmn": D("4.5")}
    result = assess(values, water_body="river", target="II")
    assert result.grade == "worse_than_V"  # NH3-N 3.2 > 2.0
    assert result.deciding == ["nh3n"]
    # 3.2/0.5 - 1 = 5.40; 0.13/0.1 - 1 = 0.30; 4.5/4 - 1 = 0.125 -> 0.13 (half up); COD on the limit
    assert result.exceedances == {"nh3n": D("5.40"), "tp": D("0.30"), "codmn": D("0.13")}


def test_lake_exceedances_use_the_lake_limits():
    # target III on a lake: TP 0.05, TN 1.0
    result = assess({"tp": D("0.08"), "tn": D("1.3")}, water_body="lake", target="III")
    assert result.grade == "IV"
    assert result.deciding == ["tp", "tn"]
    # 0.08/0.05 - 1 = 0.60; 1.3/1.0 - 1 = 0.30
    assert result.exceedances == {"tp": D("0.60"), "tn": D("0.30")}


def test_a_reading_with_nothing_graded_has_no_grade():
    result = assess({}, water_body="river", target="III")
    assert (result.grade, result.meets_target, result.deciding) == (None, None, [])


@pytest.mark.parametrize(
    ("parameter", "value", "refused"),
    [
        ("do", "-0.1", True),
        ("do", "20", False),
        ("do", "20.1", True),
        ("nh3n", "0", False),
        ("tp", "20.5", True),
        ("cod", "999", False),
        ("cod", "1001", True),
    ],
)
def test_values_outside_the_physical_range_are_refused(parameter, value, refused):
    assert (physical_range_problem(parameter, D(value)) is not None) is refused
