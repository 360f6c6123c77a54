"""Codes for the projects an import creates: a name that can be a code keeps it; any other
gets a short, readable one, unique against Hindsight's codes and the file's other new
projects, and within the code field's length."""

from __future__ import annotations

import pytest

from lessons.transfer.project_codes import new_project_codes, readable_code

GSDOP = "Ground Systems Development and Operations Program"
MPCV = "Multi-Purpose Crew Vehicle (MPCV)"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        (GSDOP, "GSDOP"),
        (MPCV, "MPCV"),
        ("International Space Station", "ISS"),
        ("Orion Ops", "ORION-OPS"),
        ("Orion / MPCV", "ORION-MPCV"),
        ("Space Launch System 2024 Upgrade", "SLS2024U"),
        ("Área de Operações Espaciais", "ADOE"),
        ("???", "PROJECT"),
    ],
)
def test_readable_codes(name, code):
    assert readable_code(name) == code


def test_new_codes_keep_names_that_are_codes_and_fit_the_code_field():
    taken = {"gsdop"}
    codes = new_project_codes([GSDOP, "ERP-2026", "x" * 40, "y" * 40 + " z"], taken)
    assert codes[GSDOP.casefold()] == "GSDOP-2"
    assert codes["erp-2026"] == "ERP-2026"
    assert codes["x" * 40] == "X" * 32
    assert codes[("y" * 40 + " z").casefold()] == "YZ"
    assert taken == {"gsdop", "gsdop-2", "erp-2026", "x" * 32, "yz"}
    assert new_project_codes(["A" * 40, "a" * 41], set()) == {
        "a" * 40: "A" * 32,
        "a" * 41: "A" * 30 + "-2",
    }


def test_a_name_that_is_a_code_keeps_it_before_a_made_code_takes_it():
    codes = new_project_codes(["Mars Science Laboratory", "msl"], set())
    assert codes == {"mars science laboratory": "MSL-2", "msl": "msl"}
