"""The version profile: every difference between Odoo 17, 18 and 19 that Sentinel meets, as verified on real servers
(the contract suite checks each against a live one), and the links built from it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agents._core.odoo import OdooProfile, OdooProtocolError
from agents._core.odoo import versions
from agents._core.odoo.profile import parse_series
from agents._core.render import odoo_link


@pytest.mark.parametrize(("version", "series"), [
    ("19.0", (19, 0)), ("17.0-20240709", (17, 0)), ("18.0-20250506", (18, 0)), ("saas~17.2+e", (17, 2)),
    ([19, 0, 0, "final", 0, ""], (19, 0)), (["saas~18", 3, 0, "final", 0, "e"], (18, 3)),
])
def test_the_series_is_read_from_any_form_odoo_reports(version: object, series: tuple[int, int]) -> None:
    assert parse_series(version) == series  # type: ignore[arg-type]


def test_a_version_that_is_not_odoos_is_refused() -> None:
    with pytest.raises(ValueError, match="'nginx' is not an Odoo server version"):
        parse_series("nginx")


V17, V18, V19 = OdooProfile.of("17.0"), OdooProfile.of("18.0"), OdooProfile.of("19.0")


def test_what_differs_between_17_18_and_19() -> None:
    assert [p.user_groups_field for p in (V17, V18, V19)] == ["groups_id", "groups_id", "all_group_ids"]
    assert [p.expense_queue for p in (V17, V18, V19)] == [
        ("hr.expense.sheet", "submit"), ("hr.expense.sheet", "submit"), ("hr.expense", "submitted")]
    assert [tuple(p.review_flag) for p in (V17, V18, V19)] == [("to_check", True), ("checked", False), ("checked", False)]
    assert {p.tracking_field for p in (V17, V18, V19)} == {"field_id"} and OdooProfile.of("16.0").tracking_field == "field"
    assert "done" in V18.purchase_states and "done" not in V19.purchase_states
    assert [p.json2 for p in (V17, V18, V19)] == [False, False, True]


def test_message_post_answers_are_unwrapped_and_anything_else_refused() -> None:
    assert V17.message_id("c", 342) == 342  # 17 and 18 over JSON-RPC: the id
    assert V19.message_id("c", [617]) == 617  # 19, and JSON-2: the record as its ids
    for odd in (True, [1, 2], "617", None):
        with pytest.raises(OdooProtocolError, match="message_post answered"):
            V19.message_id("c", odd)


def test_record_paths_follow_the_web_clients_url_style() -> None:
    assert V17.record_path("purchase.order", 5) == "/web#id=5&model=purchase.order&view_type=form"
    assert OdooProfile.of("saas~17.2").record_path("purchase.order", 5) == "/odoo/purchase.order/5"
    assert V18.record_path("account.move", 9) == V19.record_path("account.move", 9) == "/odoo/account.move/9"


@pytest.fixture
def _versions() -> Iterator[None]:
    versions._known.clear()
    yield
    versions._known.clear()


@pytest.mark.usefixtures("_versions")
def test_links_are_absolute_in_the_style_of_the_servers_version_once_known() -> None:
    assert odoo_link("https://odoo.clinic/", "purchase.order", 5) == (
        "https://odoo.clinic/web#id=5&model=purchase.order&view_type=form")  # unknown: the style every version opens
    versions.remember("https://odoo.clinic", "19.0")
    assert odoo_link("https://odoo.clinic/", "purchase.order", 5) == "https://odoo.clinic/odoo/purchase.order/5"
    versions.remember("https://old.clinic", "17.0-20240709")
    assert odoo_link("https://old.clinic", "purchase.order", 5) == (
        "https://old.clinic/web#id=5&model=purchase.order&view_type=form")
