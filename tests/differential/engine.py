"""The differential suite's machinery: send a scenario's requests to a server, reduce the answers
to what must agree between LocalCVAT and the real CVAT, and compare.

A :class:`Scenario` is a list of :class:`Step` s (each one HTTP request as one seed user, with
HTTP basic authentication, which both servers accept) and cleanup steps (always sent, never
compared), so that running it leaves the server as it was. A step can capture values of its
answer (``capture={"task": "id"}``) that later paths, parameters and bodies use as ``{task}``.

What is compared (:func:`normalize`): the status, the media type, and the body reduced by the
step's ``compare`` mode:

- ``"exact"``: the JSON body, with what cannot agree between two servers replaced by markers:
  timestamps (``<date>``), the server's own address (``<server>``), values captured earlier
  (``<task>``), background request ids (``<rq_id>``);
- ``"shape"``: the keys and value types, recursively (a list by the shape of its first item and
  its length);
- ``"fresh"``: as ``"shape"``, for lists of objects made during the scenario: their ids (which
  each server numbers its own way) are reduced to how many there are;
- ``"status"``: the status and media type only.

Error answers (4xx) are always compared exactly (the messages are what users see). List answers
(``count``/``next``/``previous``/``results``) keep their ``count``, the ``next``/``previous``
links (path and query, server removed) and the ids of their results in order, whatever the mode.
A 5xx answer is reduced to its status and media type (the page is Django's, never JSON).
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests

SEED_PASSWORD = "!Q@W#E$R"

Compare = str  # "exact" | "shape" | "status"

#: Keys whose values are clock readings on either server.
_DATE_KEY = re.compile(r"(_date|_at|^date_joined|^last_login|^expiry_date|^last_used_date)$")


@dataclass(frozen=True)
class Step:
    """One request, as ``user`` (``None``: anonymous)."""

    method: str
    path: str
    user: str | None = "admin1"
    params: Mapping[str, Any] | None = None
    json: Any = None
    headers: Mapping[str, str] | None = None
    files: Mapping[str, tuple[str, bytes, str]] | None = None
    data: Mapping[str, Any] | None = None
    compare: Compare = "exact"
    #: name -> dotted path into the JSON answer (``"id"``, ``"results.0.id"``)
    capture: Mapping[str, str] = field(default_factory=dict)
    #: After the answer, poll ``GET /api/requests/<rq_id of the answer>`` until it ends.
    wait: bool = False
    #: Pause this long (seconds) before sending.
    pause: float = 0.0
    #: Before sending, wait until the background request captured under this name ended.
    after: str = ""
    #: A note that says what the step checks (shown in failures and in the recording).
    note: str = ""

    def describe(self) -> str:
        who = self.user or "anonymous"
        return f"{self.method} {self.path} as {who}" + (f" ({self.note})" if self.note else "")


@dataclass(frozen=True)
class Scenario:
    """A named request sequence; ``cleanup`` runs after it whatever happened, uncompared."""

    name: str
    steps: tuple[Step, ...]
    cleanup: tuple[Step, ...] = ()


@dataclass
class Answer:
    """One step's answer, reduced to what is compared."""

    step: str
    status: int
    media: str
    body: Any

    def as_json(self) -> dict[str, Any]:
        return {"step": self.step, "status": self.status, "media": self.media, "body": self.body}


class Runner:
    """Sends scenarios to one server (``base_url``), one ``requests`` session per seed user."""

    def __init__(self, base_url: str, *, timeout: float = 120.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._sessions: dict[str | None, requests.Session] = {}

    def close(self) -> None:
        for session in self._sessions.values():
            session.close()
        self._sessions.clear()

    def session(self, user: str | None) -> requests.Session:
        if user not in self._sessions:
            session = requests.Session()
            if user is not None:
                session.auth = (user, SEED_PASSWORD)
            self._sessions[user] = session
        return self._sessions[user]

    def run(self, scenario: Scenario) -> list[Answer]:
        values: dict[str, Any] = {}
        answers: list[Answer] = []
        try:
            for step in scenario.steps:
                answers.append(self._send(step, values))
        finally:
            for step in scenario.cleanup:
                if re.search(r"\{\w+\}", _fill(step.path, values)):
                    continue  # nothing was made for it to clean up
                with contextlib.suppress(requests.RequestException):
                    self._send(step, values, compared=False)
        return answers

    def _send(self, step: Step, values: dict[str, Any], *, compared: bool = True) -> Answer:
        if step.pause:
            time.sleep(step.pause)
        if step.after and step.after in values:
            self.wait_for(step.user, str(values[step.after]))
        path = _fill(step.path, values)
        params = _fill(dict(step.params), values) if step.params is not None else None
        body = _fill(step.json, values) if step.json is not None else None
        headers = _fill(dict(step.headers), values) if step.headers is not None else None
        data = _fill(dict(step.data), values) if step.data is not None else None
        for _ in range(_THROTTLED_TRIES):
            response = self.session(step.user).request(
                step.method,
                self.base_url + path,
                params=params,
                json=body,
                headers=headers,
                files=step.files,
                data=data,
                timeout=self.timeout,
                allow_redirects=False,
            )
            # The real server throttles anonymous requests (100 a minute per address, before
            # the view runs): the rate left by earlier tests is not what a scenario compares.
            if response.status_code != 429:
                break
            time.sleep(min(float(response.headers.get("Retry-After") or 1), 60.0))
        parsed = _json_of(response)
        for name, where in step.capture.items():
            # Not made: later steps send the placeholder as it is (and cleanup skips it).
            with contextlib.suppress(KeyError, IndexError, TypeError, ValueError):
                values[name] = _dig(parsed, where)
        if step.wait and isinstance(parsed, dict) and "rq_id" in parsed:
            self.wait_for(step.user, str(parsed["rq_id"]))
        if not compared:
            return Answer(step.describe(), response.status_code, "", None)
        return Answer(
            step=step.describe(),
            status=response.status_code,
            media=_media(response),
            body=normalize(response.status_code, parsed, step.compare, self.base_url, values),
        )

    def wait_for(self, user: str | None, rq_id: str) -> dict[str, Any]:
        """Poll the background request until it finished or failed (or the timeout passed)."""
        deadline = time.monotonic() + self.timeout
        while True:
            answer = self.session(user).get(
                f"{self.base_url}/api/requests/{rq_id}", timeout=self.timeout
            )
            report: dict[str, Any] = answer.json() if answer.ok else {}
            if not answer.ok or report.get("status") in ("finished", "failed"):
                return report
            if time.monotonic() > deadline:
                raise TimeoutError(f"background request {rq_id} still {report.get('status')}")
            time.sleep(0.2)


# --------------------------------------------------------------------------- normalization


#: Sends of one step while the server answers 429 (its anonymous throttle).
_THROTTLED_TRIES = 5


def _media(response: requests.Response) -> str:
    return response.headers.get("Content-Type", "").split(";")[0].strip().lower()


def _json_of(response: requests.Response) -> Any:
    if "json" not in _media(response) or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _fill(template: Any, values: Mapping[str, Any]) -> Any:
    """``{name}`` placeholders replaced by captured values (a whole-string placeholder keeps
    the value's type: ``"{task}"`` becomes the int)."""
    if isinstance(template, str):
        whole = re.fullmatch(r"\{(\w+)\}", template)
        if whole and whole.group(1) in values:
            return values[whole.group(1)]
        return re.sub(
            r"\{(\w+)\}",
            lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0),
            template,
        )
    if isinstance(template, Mapping):
        return {key: _fill(value, values) for key, value in template.items()}
    if isinstance(template, list | tuple):
        return [_fill(value, values) for value in template]
    return template


def _dig(body: Any, where: str) -> Any:
    for part in where.split("."):
        body = body[int(part)] if isinstance(body, list) else body[part]
    return body


def _is_page(body: Any) -> bool:
    return isinstance(body, dict) and {"count", "next", "previous", "results"} <= set(body)


def _link(value: Any, base_url: str) -> Any:
    """A ``next``/``previous`` link as its path and sorted query (the server removed)."""
    if not isinstance(value, str):
        return value
    split = urlsplit(value)
    query = urlencode(sorted(parse_qsl(split.query, keep_blank_values=True)))
    return f"{split.path}?{query}" if query else split.path


def shape(value: Any) -> Any:
    """Keys and types, recursively."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return {"list": len(value), "of": shape(value[0]) if value else None}
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    return type(value).__name__


def scrub(value: Any, base_url: str, values: Mapping[str, Any], key: str = "") -> Any:
    """The body with clock readings, the server's address and captured values as markers."""
    if isinstance(value, dict):
        secret = "read_only" in value  # a personal access token: its secret is random
        return {
            k: "<secret>" if secret and k == "value" and item else scrub(item, base_url, values, k)
            for k, item in value.items()
        }
    if isinstance(value, list):
        return [scrub(item, base_url, values, key) for item in value]
    if isinstance(value, str):
        if _DATE_KEY.search(key) and value:
            return "<date>"
        value = value.replace(base_url, "<server>")
        for name, captured in values.items():
            if isinstance(captured, int) and not isinstance(captured, bool):
                value = re.sub(rf"(?<=[/=]){captured}(?=[/?&]|$)", f"<{name}>", value)
            elif isinstance(captured, str) and len(captured) > 8:
                value = value.replace(captured, f"<{name}>")
        return value
    if (
        isinstance(value, int)
        and not isinstance(value, bool)
        and (
            key == "id"
            or key.endswith("_id")
            or key in ("task", "job", "project", "parent", "issue", "organization")
        )
    ):
        for name, captured in values.items():
            if captured == value and not isinstance(captured, bool):
                return f"<{name}>"
    return value


def normalize(
    status: int, body: Any, compare: Compare, base_url: str, values: Mapping[str, Any]
) -> Any:
    if status >= 500 or body is None or compare == "status":
        return None
    if status >= 400:
        return scrub(body, base_url, values)
    if _is_page(body):
        results = body["results"]
        first = results[0] if results else None
        ids = [item.get("id") for item in results if isinstance(item, dict)]
        return {
            "count": body["count"],
            "next": _link(body["next"], base_url),
            "previous": _link(body["previous"], base_url),
            "ids": len(ids) if compare == "fresh" else scrub(ids, base_url, values, "id"),
            "first": (scrub(first, base_url, values) if compare == "exact" else shape(first)),
        }
    if compare in ("shape", "fresh"):
        return shape(body)
    return scrub(body, base_url, values)


# --------------------------------------------------------------------------- comparison


def differences(expected: list[dict[str, Any]], actual: list[dict[str, Any]]) -> list[str]:
    """Human-readable differences between two runs of one scenario (empty when they agree)."""
    found: list[str] = []
    for number, (want, got) in enumerate(zip(expected, actual, strict=False)):
        for key in ("status", "media", "body"):
            if want[key] != got[key]:
                found.append(
                    f"step {number} {got['step']}: {key}\n    expected {want[key]!r}\n"
                    f"    got      {got[key]!r}"
                )
    if len(expected) != len(actual):
        found.append(f"{len(expected)} steps expected, {len(actual)} answered")
    return found


def iter_scenarios(groups: Mapping[str, tuple[Scenario, ...]]) -> Iterator[tuple[str, Scenario]]:
    for group, scenarios in groups.items():
        for scenario in scenarios:
            yield group, scenario
