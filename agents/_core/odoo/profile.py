"""Everything that differs between the Odoo versions Sentinel runs on (17, 18, 19), chosen from the server's version.

Each difference was checked on a real Community server of each version with demo data; the contract suite pins them.
Code that meets one of these differences asks the gateway's profile instead of testing a version number itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, NamedTuple

from agents._core.odoo.errors import OdooProtocolError

# "19.0", "17.0-20240709", "saas~17.2+e", or a server_version_info list such as [17, 0, 0, "final", 0, ""].
_SERIES = re.compile(r"^(?:saas~)?(\d+)(?:\.(\d+))?")


class ReviewFlag(NamedTuple):
    """How a journal entry is marked for review."""

    field: str
    to_review: bool  # the value that means "needs review"


REVIEW_FLAGS = (ReviewFlag("checked", False), ReviewFlag("to_check", True))


class ExpenseQueue(NamedTuple):
    """Where submitted expenses wait for a manager's approval."""

    model: str
    submitted_state: str


def parse_series(version: str | list[Any] | tuple[Any, ...]) -> tuple[int, int]:
    """(major, minor) of a server version string or version_info list; saas releases count as their series."""
    if isinstance(version, (list, tuple)):
        version = ".".join(str(part) for part in version[:2])
    match = _SERIES.match(str(version).strip())
    if match is None:
        raise ValueError(f"'{version}' is not an Odoo server version")
    return int(match.group(1)), int(match.group(2) or 0)


@dataclass(frozen=True)
class OdooProfile:
    series: tuple[int, int]  # (17, 0), (18, 0), (19, 0), (17, 2) for saas~17.2

    @classmethod
    def of(cls, version: str | list[Any] | tuple[Any, ...]) -> OdooProfile:
        return cls(parse_series(version))

    @property
    def major(self) -> int:
        return self.series[0]

    @property
    def json2(self) -> bool:
        """JSON-2 (/json/2/<model>/<method> with an API key) exists from 19.0; /jsonrpc is deprecated there."""
        return self.major >= 19

    @property
    def user_groups_field(self) -> str:
        """res.users' groups including the implied ones: `groups_id` up to 18 (it stored them all), `all_group_ids` on
        19 (where `group_ids` holds only the groups given directly)."""
        return "all_group_ids" if self.major >= 19 else "groups_id"

    @property
    def has_access_method(self) -> bool:
        """Access rights are asked with has_access(ids, operation) from 18 (checked on real servers); 17 has only
        check_access_rights (18 and 19 keep it, deprecated)."""
        return self.major >= 18

    @property
    def expense_queue(self) -> ExpenseQueue:
        """Odoo 19 approves expenses one by one (hr.expense 'submitted'); up to 18 a report does (hr.expense.sheet)."""
        return ExpenseQueue("hr.expense", "submitted") if self.major >= 19 else ExpenseQueue("hr.expense.sheet", "submit")

    @property
    def review_flag(self) -> ReviewFlag:
        """account.move: `to_check` (True = to review) up to 17, `checked` (False = to review) from 18."""
        checked, to_check = REVIEW_FLAGS
        return checked if self.major >= 18 else to_check

    @property
    def tracking_field(self) -> str:
        """mail.tracking.value's link to the tracked ir.model.fields: `field` up to 16, `field_id` from 17."""
        return "field_id" if self.major >= 17 else "field"

    @property
    def purchase_states(self) -> tuple[str, ...]:
        """purchase.order.state: 17 and 18 end with 'done' (Locked) before 'cancel'; 19 dropped it."""
        common = ("draft", "sent", "to approve", "purchase")
        return (*common, "cancel") if self.major >= 19 else (*common, "done", "cancel")

    def message_id(self, connection: str, posted: Any) -> int:
        """The id message_post answered. Up to 18 over JSON-RPC it is the id (the method declared it with
        @api.returns); from 19, and always over JSON-2, the new record comes back as its ids: a list of one."""
        if isinstance(posted, list) and len(posted) == 1:
            posted = posted[0]
        if isinstance(posted, bool) or not isinstance(posted, int):
            raise OdooProtocolError(connection, f"message_post answered {posted!r}, not the new message's id")
        return posted

    def record_path(self, model: str, res_id: int) -> str:
        """The web client's address of a record's form: /odoo/<model>/<id> from 17.2 (18.0 is the first on-premise
        release with it), /web#… before. The old form still works after 17.2, which redirects it."""
        if self.series >= (17, 2):
            return f"/odoo/{model}/{res_id}"
        return legacy_record_path(model, res_id)


def legacy_record_path(model: str, res_id: int) -> str:
    """The form address every version from 16 to 19 opens (17.2+ redirect it to their own)."""
    return f"/web#id={res_id}&model={model}&view_type=form"
