"""Property-based fuzzing of POST /crm_strategy/events through the real HTTP server.

Every generated request, whatever its body, headers, query string or transfer encoding, must
get a 4xx with a JSON error and store nothing, or a 201 whose "accepted" count is exactly the
number of new rows; never a 5xx, never an error in the log. Runs are derandomized: the same
examples every time, so a failure in CI is a failure on every machine.
"""

import itertools
import json
import math
import socket
from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.tests import tagged

from ..controllers.engagement import MAX_BODY_BYTES
from .test_engagement_endpoint import URL, EngagementEndpointCase

# sized for CI time (each example is one request); raise them for a longer local run
CHAOS_EXAMPLES = 1500
VALID_EXAMPLES = 100
FUZZ_SETTINGS = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "print_blob": False,
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.large_base_example,
    ],
}
KINDS = [(2, "huge"), (8, "deep"), (25, "raw"), (40, "value"), (100, "events")]
EVENT_TYPES = ["page_view", "email_open", "email_click", "form_submit", "download"]
EVENT_FIELDS = ["type", "timestamp", "lead_id", "partner_id", "email", "visitor_key", "url"]

# any text, lone surrogates and control characters included
any_text = st.text(st.characters(codec=None, categories=None), max_size=40)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    any_text,
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(any_text, children, max_size=4)
    ),
    max_leaves=12,
)
valid_timestamps = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2025, 1, 1), allow_imaginary=False
).map(datetime.isoformat)
timestamps = st.one_of(
    valid_timestamps,
    st.sampled_from(
        [
            "0000-01-01T00:00:00",
            "0001-01-01T00:00:00+05:00",
            "9999-12-31T23:59:59-05:00",
            "99999-01-01",
            "garbage",
            "",
            "2024-02-30",
            "2024-01-01T25:00:00",
        ]
    ),
    json_values,
)
urls = st.one_of(
    st.sampled_from(["/pricing", "https://example.com/a?b=c", "http://[::1", "//x:99999/", ""]),
    any_text,
)


def poisoned(value):
    """Whether `value` holds what no request may store: NUL, a lone surrogate, NaN, Infinity."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return True
        if isinstance(item, str) and any(c == "\x00" or "\ud800" <= c <= "\udfff" for c in item):
            return True
        if isinstance(item, dict):
            stack += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            stack += item
    return False


def dump(draw, value):
    """JSON bytes, non-ASCII escaped or sent as UTF-8 (lone surrogates become invalid bytes)."""
    if draw(st.booleans()):
        return json.dumps(value).encode()
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


class EngagementFuzzCase(EngagementEndpointCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.foreign_lead_id = cls.foreign_lead.id
        cls.unique = itertools.count()

    def setUp(self):
        super().setUp()
        self.session = self.opener  # keep-alive connection, flushes the test cursor

    def _count(self):
        self.env.flush_all()
        return self.env["crm.engagement.event"].search_count([])

    def _check(self, status, body, rows_before, must_refuse=False):
        """The status class, the JSON error and the row count that a client relies on."""
        rows_after = self._count()
        self.assertLess(status, 500, body[:300])
        self.assertGreaterEqual(status, 200, body[:300])
        answer = json.loads(body)
        if status == 201:
            self.assertFalse(must_refuse, f"accepted a poisoned request: {body[:300]!r}")
            self.assertEqual(rows_after - rows_before, answer["accepted"])
        else:
            self.assertEqual(status // 100, 4, body[:300])
            self.assertIsInstance(answer.get("error"), str)
            self.assertEqual(rows_after, rows_before, "a refused request stores nothing")

    def _send_requests(self, body, headers, query, chunked):
        size = 65536 if len(body) > MAX_BODY_BYTES else 4096
        data = (body[i : i + size] for i in range(0, len(body), size)) if chunked else body
        response = self.session.post(
            self.base_url() + URL + query, data=data, headers=headers, timeout=30
        )
        self.env.invalidate_all()
        return response.status_code, response.content

    def _send_raw(self, head_lines, body, chunked):
        """Header bytes that `requests` refuses to send, on a fresh connection."""
        self.env.flush_all()
        head = b"POST " + URL.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        head += b"".join(line + b"\r\n" for line in head_lines)
        if chunked:
            head += b"Transfer-Encoding: chunked\r\n"
            body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body) if body else b"0\r\n\r\n"
            if chunked == "broken":
                body = b"zz\r\n" + body
        else:
            head += b"Content-Length: %d\r\n" % len(body)
        with socket.create_connection(("127.0.0.1", self.http_port()), timeout=30) as sock:
            sock.sendall(head + b"\r\n" + body)
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        self.env.invalidate_all()
        status_line, _sep, rest = answer.partition(b"\r\n")
        return int(status_line.split(b" ")[1]), rest.partition(b"\r\n\r\n")[2]


def _events(draw, lead_ids, valid):
    """A batch: valid events only, or anything an event could be made of."""
    count = draw(st.integers(min_value=1, max_value=5))
    batch = []
    for _i in range(count):
        if valid:
            event = {
                "type": draw(st.sampled_from(EVENT_TYPES)),
                "lead_id": draw(st.sampled_from(lead_ids)),
                "url": draw(st.sampled_from(["/pricing", "/blog/x", "https://a.example/p?q=1"])),
                "timestamp": draw(valid_timestamps),
                "payload": draw(
                    st.dictionaries(
                        st.text(st.characters(exclude_characters="\x00"), max_size=8),
                        st.integers(),
                        max_size=3,
                    )
                ),
            }
        else:
            keys = draw(
                st.lists(
                    st.sampled_from(
                        EVENT_FIELDS + ["payload", "idempotency_key", "company_id", "junk"]
                    ),
                    max_size=7,
                )
            )
            event = {}
            for key in keys:
                if key == "type":
                    event[key] = draw(st.one_of(st.sampled_from(EVENT_TYPES), json_values))
                elif key == "timestamp":
                    event[key] = draw(timestamps)
                elif key in ("lead_id", "partner_id", "company_id"):
                    event[key] = draw(st.one_of(st.sampled_from(lead_ids), json_values))
                elif key == "url":
                    event[key] = draw(urls)
                else:
                    event[key] = draw(json_values)
            if draw(st.booleans()):
                event = draw(json_values) if draw(st.booleans()) else event
        batch.append(event)
    return batch


@st.composite
def fuzz_requests(draw, key, lead_ids):
    """(body bytes, header dict or raw header lines, query string, chunked, poisoned)."""
    # few huge bodies: each costs 5 MB of traffic
    roll = draw(st.integers(0, 99))
    kind = next(k for bound, k in KINDS if roll < bound)
    must_refuse = kind in ("deep", "huge")
    if kind == "events":
        batch = _events(draw, lead_ids, valid=draw(st.booleans()))
        wrapped = {"events": batch} if draw(st.booleans()) else batch
        body = dump(draw, wrapped)
        must_refuse = poisoned(wrapped)
    elif kind == "raw":
        body = draw(st.binary(max_size=300))
    elif kind == "deep":
        depth = draw(st.sampled_from([10, 900, 5_000, 100_000]))
        body = draw(
            st.sampled_from([b"[" * depth + b"]" * depth, b'{"a":' * depth + b"1" + b"}" * depth])
        )
    elif kind == "huge":
        filler = draw(st.sampled_from([b" ", b"[", b"a"]))
        body = b"[" + filler * (MAX_BODY_BYTES + draw(st.integers(0, 1000))) + b"]"
    else:
        value = draw(json_values)
        body = dump(draw, value)
        must_refuse = poisoned(value)
    if draw(st.integers(0, 9)) == 0 and body and kind != "huge":  # cut it anywhere
        body = body[: draw(st.integers(0, len(body) - 1))]
        must_refuse = kind == "deep"
    chunked = kind == "huge" or draw(st.booleans())
    query = draw(
        st.sampled_from(
            ["", "?", "?debug=1", "?a=%ff&b=%00", "?db=nope", "?csrf_token=x&x[]=1", "?%zz"]
        )
    )
    auth = draw(
        st.sampled_from(
            [
                f"Bearer {key}",
                f"bearer   {key}  ",
                "Bearer crmsk_" + "0" * 40,
                "Bearer",
                "",
                "Basic eA==",
            ]
        )
    )
    content_type = draw(
        st.sampled_from(
            [
                "application/json",
                "application/json; charset=latin-1",
                "text/plain",
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=b",
                "",
            ]
        )
    )
    raw_headers = draw(st.integers(0, 5)) == 0
    if raw_headers:
        junk = draw(st.binary(max_size=30).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"")))
        header = draw(
            st.sampled_from(
                [
                    b"X-Api-Key: ",
                    b"Authorization: Bearer ",
                    b"Content-Type: ",
                    b"Accept-Language: ",
                    b"Cookie: session_id=",
                ]
            )
        )
        headers = [
            header + junk,
            f"Authorization: {auth}".encode(),
            f"Content-Type: {content_type}".encode(),
        ]
        # broken framing on a short body only: the server stops reading at the bad chunk, and a
        # client still sending megabytes would get a reset instead of the answer
        if chunked and len(body) < 65536 and draw(st.booleans()):
            chunked = "broken"
    else:
        headers = {"Authorization": auth} if auth else {}
        if content_type:
            headers["Content-Type"] = content_type
    return body, headers, query, chunked, must_refuse


@tagged("post_install", "-at_install")
class TestEngagementFuzz(EngagementFuzzCase):
    """A few thousand generated requests against the real endpoint."""

    def test_fuzzed_requests_never_fail_the_server(self):
        lead_ids = [self.lead.id, self.foreign_lead_id, 0, -1, 2**31]

        @settings(max_examples=CHAOS_EXAMPLES, **FUZZ_SETTINGS)
        @given(request=fuzz_requests(self.key, lead_ids))
        def check(request):
            body, headers, query, chunked, must_refuse = request
            before = self._count()
            if isinstance(headers, list):
                status, answer = self._send_raw(headers, body, chunked)
            else:
                status, answer = self._send_requests(body, headers, query, chunked)
            self._check(status, answer, before, must_refuse=must_refuse)

        with self.assertNoLogs("odoo", "ERROR"):
            check()  # pylint: disable=no-value-for-parameter
        # and the server still serves a plain good request
        status, answer = self._send_requests(
            json.dumps([self._view("after-fuzz")]).encode(),
            {"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"},
            "",
            chunked=False,
        )
        self.assertEqual(status, 201, answer)

    def test_valid_batches_are_accepted(self):
        lead_ids = [self.lead.id]
        unique = self.unique

        @settings(max_examples=VALID_EXAMPLES, **FUZZ_SETTINGS)
        @given(data=st.data())
        def check(data):
            batch = _events(data.draw, lead_ids, valid=True)
            for event in batch:
                event["idempotency_key"] = f"valid-{next(unique)}"
            chunked = data.draw(st.booleans())
            before = self._count()
            status, answer = self._send_requests(
                json.dumps(batch).encode(),
                {"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"},
                "",
                chunked,
            )
            self.assertEqual(status, 201, answer)
            self._check(status, answer, before)
            self.assertEqual(json.loads(answer)["accepted"], len(batch))

        with self.assertNoLogs("odoo", "ERROR"):
            check()  # pylint: disable=no-value-for-parameter
