"""The one place that talks to Odoo: batched reads, typed writes, retries for transient failures only."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from dataclasses import dataclass, field
from typing import Any, Protocol

from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from agents._core.odoo.errors import (
    OdooAccessError,
    OdooModuleMissing,
    OdooProtocolError,
    OdooUnavailable,
    OdooValidationError,
)
from agents._core.odoo.profile import OdooProfile
from agents._core.odoo.values import parse_datetime

Domain = list[Any]
Record = dict[str, Any]

DEFAULT_PAGE_SIZE = 2000

# Told of every call to Odoo: (connection, model, method, seconds, the exception or None). Metrics register here, so
# the gateway knows nothing of them; an observer must be quick and must not raise.
CallObserver = Callable[[str, str, str, float, BaseException | None], None]
CALL_OBSERVERS: list[CallObserver] = []


class Transport(Protocol):
    connection: str
    server_version: str | None

    def execute_kw(self, model: str, method: str, args: list[Any], kwargs: dict[str, Any]) -> Any: ...

    def version(self) -> str:
        """The server's version string ("19.0", "17.0-20240709"), asking the server the first time."""
        ...

    def reset(self) -> None: ...


@dataclass
class CallStats:
    """Round trips made through this gateway, for the run log and the benchmark."""

    round_trips: int = 0
    seconds: float = 0.0
    calls: list[tuple[str, str]] = field(default_factory=list)  # (model, method), in order


class OdooGateway:
    """Reads page by page with only the fields asked for; retries reads on transient failures.

    Writes are never retried here: a timed-out create may have happened. The action executors retry the whole
    "look for the marker, then write" step instead, which is what makes a retried write safe.
    """

    def __init__(self, transport: Transport, *, attempts: int = 3, backoff: float = 0.2) -> None:
        self.transport = transport
        self.connection = transport.connection
        self.stats = CallStats()
        self._attempts = attempts
        self._backoff = backoff
        self._fields_cache: dict[str, dict[str, dict[str, Any]]] = {}
        self._profile: OdooProfile | None = None

    @property
    def profile(self) -> OdooProfile:
        """What differs on this server's Odoo version (fields, models, return values, URLs): see profile.py."""
        if self._profile is None:
            for attempt in self._retrying(retry=True):
                with attempt:
                    if attempt.retry_state.attempt_number > 1:
                        self.transport.reset()
                    self._profile = OdooProfile.of(self.transport.version())
        assert self._profile is not None
        return self._profile

    # -- reads ---------------------------------------------------------------------------------------------

    def search_read(
        self,
        model: str,
        domain: Domain,
        fields: Sequence[str],
        *,
        order: str = "id",
        page_size: int = DEFAULT_PAGE_SIZE,
        limit: int | None = None,
    ) -> list[Record]:
        return [row for page in self.pages(model, domain, fields, order=order, page_size=page_size, limit=limit) for row in page]

    def pages(
        self,
        model: str,
        domain: Domain,
        fields: Sequence[str],
        *,
        order: str = "id",
        page_size: int = DEFAULT_PAGE_SIZE,
        limit: int | None = None,
    ) -> Iterator[list[Record]]:
        """Yield pages of records: one round trip per page, never one per record."""
        offset = 0
        while limit is None or offset < limit:
            size = page_size if limit is None else min(page_size, limit - offset)
            # One row more than the page: a full page then tells whether another follows, without a last empty call.
            ask = size + 1 if limit is None or offset + size < limit else size
            kwargs = {"fields": list(fields), "offset": offset, "limit": ask, "order": order}
            rows = self._call(model, "search_read", [domain], kwargs, retry=True)
            if rows[:size]:
                yield rows[:size]
            if len(rows) <= size:
                return
            offset += size

    def read(self, model: str, ids: Sequence[int], fields: Sequence[str]) -> list[Record]:
        if not ids:
            return []
        return self._call(model, "read", [list(ids), list(fields)], {}, retry=True)

    def search_count(self, model: str, domain: Domain) -> int:
        return int(self._call(model, "search_count", [domain], {}, retry=True))

    def last_changes(self, model: str, field: str, ids: Sequence[int]) -> dict[int, datetime]:
        """When each record's tracked `field` last changed (from the chatter's tracking values): one read for all ids.

        Records whose field never changed under tracking are absent. Odoo 16-19 keep the change on mail.message
        (its date) with a mail.tracking.value naming the field (its link to the field is named per version).
        """
        if not ids:
            return {}
        path = f"tracking_value_ids.{self.profile.tracking_field}.name"
        domain = [("model", "=", model), ("res_id", "in", list(ids)), (path, "=", field)]
        latest: dict[int, datetime] = {}
        try:
            messages = self.search_read("mail.message", domain, ["res_id", "date"], order="id")
        except OdooAccessError as exc:
            raise OdooAccessError(
                self.connection,
                f"{exc.message} (ages from state changes read the chatter's tracking values, which Odoo 17+ shows to "
                "Administration / Settings users only: give the Sentinel user that right, or use age_source: write_date)",
                odoo_name=exc.odoo_name,
            ) from None
        for message in messages:
            at = parse_datetime(message.get("date"))
            if at is not None and (message["res_id"] not in latest or at > latest[message["res_id"]]):
                latest[message["res_id"]] = at
        return latest

    def fields_get(self, model: str) -> dict[str, dict[str, Any]]:
        """Field definitions of a model (cached per gateway); raises OdooModuleMissing if the model is absent."""
        if model not in self._fields_cache:
            attrs = ["type", "string", "selection", "relation", "store"]
            self._fields_cache[model] = self._call(model, "fields_get", [], {"attributes": attrs}, retry=True)
        return self._fields_cache[model]

    def has_access(self, model: str, operation: str) -> bool:
        """Whether this user's access rights allow `operation` (read, write, create, unlink) on `model` at all."""
        if self.profile.has_access_method:
            return bool(self._call(model, "has_access", [[], operation], {}, retry=True))
        return bool(self._call(model, "check_access_rights", [operation], {"raise_exception": False}, retry=True))

    def server_version(self) -> str:
        """The server's version series ('17.0', '17.2', '19.0')."""
        major, minor = self.profile.series
        return f"{major}.{minor}"

    def server_major(self) -> int:
        """The server's major version (17, 18, 19)."""
        return self.profile.major

    def require_models(self, models: Sequence[str]) -> None:
        """Fail early, with the module's model named, when the server lacks a model a rule reads."""
        for model in models:
            try:
                self.fields_get(model)
            except OdooModuleMissing as exc:
                raise OdooModuleMissing(
                    self.connection, f"model '{model}' does not exist on this server (install its Odoo module): {exc.message}"
                ) from None

    # -- writes --------------------------------------------------------------------------------------------

    def create(self, model: str, values: Record, *, context: dict[str, Any] | None = None) -> int:
        created = self._call(model, "create", [values], {"context": context} if context else {}, retry=False)
        # JSON-RPC answers create(dict) with the id; JSON-2 sends every recordset as its ids, a list of one here.
        if isinstance(created, list) and len(created) == 1:
            created = created[0]
        if isinstance(created, bool) or not isinstance(created, int):
            raise OdooProtocolError(self.connection, f"create on {model} answered {created!r}, not the new record's id")
        return created

    def xmlid(self, xmlid: str) -> int | None:
        """The record id behind an XML id such as 'mail.mail_activity_data_todo', or None.

        check_object_reference works for any user, unlike reading ir.model.data (Access Rights only).
        """
        module, _, name = xmlid.partition(".")
        try:
            return int(self._call("ir.model.data", "check_object_reference", [module, name], {}, retry=True)[1])
        except OdooValidationError:
            return None

    def write(self, model: str, ids: Sequence[int], values: Record) -> bool:
        return bool(self._call(model, "write", [list(ids), values], {}, retry=False))

    def message_post(self, model: str, res_id: int, body: str) -> int:
        """An internal note in the record's chatter (subtype Note: followers are not e-mailed)."""
        kwargs = {"body": body, "message_type": "comment", "subtype_xmlid": "mail.mt_note"}
        return self.profile.message_id(self.connection, self._call(model, "message_post", [[res_id]], kwargs, retry=False))

    # -- plumbing ------------------------------------------------------------------------------------------

    def _retrying(self, *, retry: bool) -> Retrying:
        return Retrying(
            stop=stop_after_attempt(self._attempts if retry else 1),
            wait=wait_exponential(multiplier=self._backoff, max=5),
            retry=retry_if_exception_type(OdooUnavailable),
            reraise=True,
        )

    def _call(self, model: str, method: str, args: list[Any], kwargs: dict[str, Any], *, retry: bool) -> Any:
        for attempt in self._retrying(retry=retry):
            with attempt:
                if attempt.retry_state.attempt_number > 1:
                    self.transport.reset()
                started = time.perf_counter()
                self.stats.round_trips += 1
                self.stats.calls.append((model, method))
                error: BaseException | None = None
                try:
                    return self.transport.execute_kw(model, method, args, kwargs)
                except BaseException as exc:
                    error = exc
                    raise
                finally:
                    elapsed = time.perf_counter() - started
                    self.stats.seconds += elapsed
                    for observe in CALL_OBSERVERS:
                        observe(self.connection, model, method, elapsed, error)
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover
