import json
import socket
from datetime import datetime, timedelta

from odoo.tests import HttpCase, tagged

from ..controllers.engagement import MAX_BODY_BYTES

URL = "/crm_strategy/events"


class EngagementEndpointCase(HttpCase):
    """A company with a scoring model, a lead and an integration whose key we hold."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.other_company = cls.env["res.company"].create({"name": "Other Co"})
        cls.env["crm.scoring.model"].search([]).action_archive()  # e.g. demo data
        cls.env["crm.scoring.model"].create(
            {
                "name": "Web",
                "rule_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Pricing",
                            "rule_type": "engagement",
                            "event_type": "page_view",
                            "url_pattern": "/pricing*",
                            "points": 15,
                        },
                    ),
                ],
            }
        )
        cls.lead = cls.env["crm.lead"].create(
            {"name": "Visitor", "email_from": "visitor@web.example"}
        )
        cls.foreign_lead = cls.env["crm.lead"].create(
            {"name": "Elsewhere", "company_id": cls.other_company.id}
        )
        cls.integration = cls.env["crm.scoring.integration"].create({"name": "Website"})
        cls.key = cls.integration._generate_key()

    def _post(self, body, key=None, raw=False, url=URL, headers=None):
        headers = {"Content-Type": "application/json", **(headers or {})}
        if key is not False:
            headers["Authorization"] = f"Bearer {key or self.key}"
        data = body if raw else json.dumps(body)
        response = self.url_open(url, data=data, headers=headers)
        self.env.invalidate_all()  # the server wrote through the same transaction
        return response

    def _raw(self, head, body=b""):
        """Send bytes the way no well-behaved client would; return (status, body bytes)."""
        self.env.flush_all()
        with socket.create_connection(("127.0.0.1", self.http_port()), timeout=20) as sock:
            sock.sendall(head.replace(b"\n", b"\r\n") + b"\r\n" + body)
            sock.shutdown(socket.SHUT_WR)
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        self.env.invalidate_all()
        head, _sep, payload = answer.partition(b"\r\n\r\n")
        return int(head.split(b" ", 2)[1]), payload

    def _events(self):
        return self.env["crm.engagement.event"].search(
            [("integration_id", "=", self.integration.id)]
        )

    def _assert_refused(self, response, status, text):
        self.assertEqual(response.status_code, status, response.text)
        self.assertIn(text, response.text)
        self.assertFalse(self._events(), "nothing of a refused request is stored")

    def _assert_json_4xx(self, response):
        self.assertEqual(response.status_code // 100, 4, response.text[:500])
        self.assertIn("error", response.json())
        stored = self._events()
        stored.unlink()  # the next subtest starts clean, even when this one fails
        self.assertFalse(stored, "nothing of a refused request is stored")

    def _view(self, key="k", **extra):
        return {
            "type": "page_view",
            "lead_id": self.lead.id,
            "url": "/pricing",
            "idempotency_key": key,
            **extra,
        }


@tagged("post_install", "-at_install")
class TestEngagementEndpoint(EngagementEndpointCase):
    """The events endpoint over real HTTP: good batches and every kind of bad one."""

    def test_good_batch_is_stored_and_scores_at_once(self):
        response = self._post(
            {
                "events": [
                    self._view("a"),
                    {
                        "type": "email_open",
                        "email": "Visitor@Web.example",
                        "subject": "Spring offer",
                        "idempotency_key": "b",
                        "utm_source": "newsletter",
                        "payload": {"campaign": 7},
                    },
                ]
            }
        )
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(response.json()["accepted"], 2)
        events = self._events()
        self.assertEqual(events.lead_id, self.lead, "the e-mail event is matched to the lead")
        self.assertEqual(self.lead.score, 15)

    def test_missing_and_wrong_key(self):
        self._assert_refused(self._post([self._view()], key=False), 401, "Missing API key")
        self._assert_refused(self._post([self._view()], key="crmsk_0000"), 401, "Unknown")
        self.integration.active = False
        self._assert_refused(self._post([self._view()]), 401, "Unknown or revoked")

    def test_malformed_json(self):
        self._assert_refused(self._post('{"events": [', raw=True), 400, "Malformed JSON")
        self._assert_refused(self._post({"events": "nope"}), 400, "Expected a JSON list")

    def test_oversized_batch(self):
        batch = [self._view(str(i)) for i in range(1001)]
        self._assert_refused(self._post(batch), 413, "at most 1000 events")

    def test_unknown_event_type_refuses_the_whole_batch(self):
        response = self._post([self._view("ok"), {"type": "teleport", "lead_id": self.lead.id}])
        self._assert_refused(response, 422, "Unknown event type")
        self.assertEqual(response.json()["errors"][0]["index"], 1)

    def test_events_for_another_company(self):
        self._assert_refused(
            self._post([self._view(company_id=self.other_company.id)]), 403, "its own company"
        )
        self._assert_refused(
            self._post([self._view(lead_id=self.foreign_lead.id)]), 403, "another company"
        )

    def test_timestamp_in_the_future_or_invalid(self):
        future = (datetime.utcnow() + timedelta(days=1)).isoformat()
        self._assert_refused(self._post([self._view(timestamp=future)]), 422, "in the future")
        self._assert_refused(self._post([self._view(timestamp="yesterday")]), 400, "ISO 8601")

    def test_repeated_idempotency_key(self):
        self.assertEqual(self._post([self._view("once")]).status_code, 201)
        stored = self._events()
        response = self._post([self._view("new"), self._view("once")])
        self.assertEqual(response.status_code, 409, response.text)
        self.assertIn("already received", response.text)
        self.assertEqual(self._events(), stored, "the new event of the batch is not stored")
        response = self._post([self._view("twin"), self._view("twin")])
        self.assertEqual(response.status_code, 409)
        self.assertEqual(self._events(), stored)
        self.assertEqual(self.lead.score, 15, "a retried event never counts twice")

    def test_unknown_lead_and_missing_identity(self):
        self._assert_refused(self._post([self._view(lead_id=999999999)]), 422, "does not exist")
        self._assert_refused(
            self._post([{"type": "download", "idempotency_key": "x"}]), 422, "Name the lead"
        )


@tagged("post_install", "-at_install")
class TestEngagementEndpointHardening(EngagementEndpointCase):
    """Hostile or broken requests: always a 4xx with a JSON error, nothing stored, no
    traceback in the log (the test runner fails a test that logs an error)."""

    def test_chunked_body_over_the_limit_is_refused(self):
        def chunks():
            event = json.dumps(self._view("big", payload={"pad": "x" * 1_000_000})).encode()
            yield b"["
            for _i in range(6):  # about 6 MB, never announced by a Content-Length
                yield event + b","
            yield event + b"]"

        response = self._post(chunks(), raw=True)
        self.assertEqual(response.status_code, 413, response.text[:500])
        self.assertIn(str(MAX_BODY_BYTES), response.json()["error"])
        self.assertFalse(self._events())

    def test_small_chunked_body_is_read(self):
        response = self._post(
            iter([b'[{"type": "page_view", ', b'"visitor_key": "v1"}]']), raw=True
        )
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(len(self._events()), 1)

    def test_broken_chunked_encoding(self):
        for content_type in (
            b"application/json",
            b"application/x-www-form-urlencoded",
            b"multipart/form-data; boundary=b",
        ):
            with self.subTest(content_type=content_type):
                status, body = self._raw(
                    b"POST /crm_strategy/events?a=1 HTTP/1.1\nHost: 127.0.0.1\n"
                    b"Connection: close\nContent-Type: " + content_type + b"\n"
                    b"Authorization: Bearer " + self.key.encode() + b"\n"
                    b"Transfer-Encoding: chunked\n",
                    b"zz\r\n[]\r\n0\r\n\r\n",
                )
                self.assertEqual(status // 100, 4, body)
                self.assertIn("error", json.loads(body))
                self.assertFalse(self._events())

    def test_query_string_and_other_methods(self):
        self._assert_json_4xx(self._post([{"type": "nope"}], url=URL + "?debug=1&x=%ff"))
        response = self.url_open(URL, headers={"Authorization": f"Bearer {self.key}"})
        self.assertEqual(response.status_code, 405, response.text[:500])
        self.assertIn("error", response.json())

    def test_keys_with_control_characters(self):
        for key in (
            self.key + "\x00",
            self.key[:10] + "\x01" + self.key[11:],
            "crmsk_" + "0" * 5000,
        ):
            status, body = self._raw(
                b"POST /crm_strategy/events HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n"
                b"Content-Type: application/json\nContent-Length: 2\n"
                b"X-Api-Key: " + key.encode("latin-1") + b"\n",
                b"[]",
            )
            self.assertEqual(status, 401, body)
            self.assertIn("error", json.loads(body))

    def test_nul_control_characters_and_lone_surrogates(self):
        for raw in (
            b'[{"type": "page_view", "visitor_key": "a\\u0000b"}]',
            b'[{"type": "page_view", "visitor_key": "v", "subject": "a\\u0007b"}]',
            b'[{"type": "page_view", "visitor_key": "\\ud800"}]',
            b'[{"type": "page_view", "visitor_key": "v", "payload": {"k": "\\udfff"}}]',
            b'[{"type": "page_view", "visitor_key": "v", "payload": {"\\u0000": 1}}]',
            b'[{"type": "page_view", "visitor_key": "v", "\\ud800": 1}]',
            b'[{"type": "\\ud800", "visitor_key": "v"}]',
            b'[{"type": "page_view", "visitor_key": "v", "timestamp": "\\ud800"}]',
            b'[{"type": "page_view", "visitor_key": "v\x00"}]',
            b"\xff\xfe[]",
        ):
            with self.subTest(raw=raw):
                self._assert_json_4xx(self._post(raw, raw=True))

    def test_non_finite_numbers_and_deep_nesting(self):
        for raw in (
            b'[{"type": "page_view", "visitor_key": "v", "payload": {"x": NaN}}]',
            b'[{"type": "page_view", "visitor_key": "v", "payload": {"x": -Infinity}}]',
            b'[{"type": "page_view", "visitor_key": "v", "payload": {"x": 1e999}}]',
            b'[{"type": "page_view", "visitor_key": "v", "payload": {"x": '
            + b"[" * 500
            + b"]" * 500
            + b"}}]",
            b"[" * 100_000 + b"]" * 100_000,
            b'{"events": ' * 50_000 + b"[]" + b"}" * 50_000,
        ):
            with self.subTest(raw=raw[:80]):
                self._assert_json_4xx(self._post(raw, raw=True))

    def test_extreme_timestamps(self):
        for stamp in (
            "0000-01-01T00:00:00",
            "0001-01-01T00:00:00+05:00",
            "9999-12-31T23:59:59-05:00",
            "99999-01-01",
            "1900-01-01T00:00:00",
            "garbage",
            20240101,
            ["2024-01-01"],
            "",
        ):
            with self.subTest(stamp=stamp):
                self._assert_json_4xx(self._post([self._view(timestamp=stamp)]))

    def test_wrong_json_types(self):
        for event in (
            {"type": ["page_view"], "visitor_key": "v"},
            {"type": {"a": 1}, "visitor_key": "v"},
            {"type": "page_view", "visitor_key": 7},
            {"type": "page_view", "lead_id": True},
            {"type": "page_view", "lead_id": 2**70},
            {"type": "page_view", "lead_id": -3},
            {"type": "page_view", "partner_id": 1.5},
            {"type": "page_view", "visitor_key": "v", "company_id": [1]},
            {"type": "page_view", "visitor_key": "v", "payload": [1, 2]},
            {"type": "page_view", "visitor_key": "v", "idempotency_key": {}},
            {"type": "page_view", "visitor_key": "v", "url": "http://[::1"},
            {"type": "page_view", "visitor_key": "v", "url": "http://host:99999999/x"},
        ):
            with self.subTest(event=event):
                self._assert_json_4xx(self._post([event]))
        for body in (None, 7, "text", {"events": {}}, {"events": None}, [[]], [None]):
            with self.subTest(body=body):
                self._assert_json_4xx(self._post(body))

    def test_bad_headers_and_content_types(self):
        for headers in (
            {"Content-Type": "application/x-www-form-urlencoded"},
            {"Content-Type": "multipart/form-data"},
            {"Content-Type": "multipart/form-data; boundary=zz"},
            {"Content-Type": "application/json; charset=ebcdic"},
            {"Content-Encoding": "gzip"},
            {"Authorization": "Bearer"},
            {"Authorization": "Basic Zm9vOmJhcg=="},
            {"Cookie": "session_id=../../etc/passwd"},
        ):
            with self.subTest(headers=headers):
                response = self._post(
                    "a=1&b=%ff\x00--zz\r\n" + json.dumps([self._view()]),
                    raw=True,
                    headers=headers,
                )
                self._assert_json_4xx(response)

    def test_empty_idempotency_key_means_none(self):
        for _attempt in range(2):
            response = self._post([self._view("")])
            self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(len(self._events()), 2)
        self.assertEqual(set(self._events().mapped("idempotency_key")), {False})

    def test_events_stay_in_the_integration_company(self):
        foreign_partner = self.env["res.partner"].create(
            {"name": "Foreign", "company_id": self.other_company.id}
        )
        shared_partner = self.env["res.partner"].create({"name": "Shared"})
        self._assert_refused(
            self._post([self._view(lead_id=None, partner_id=foreign_partner.id)]),
            403,
            "another company",
        )
        response = self._post([self._view(lead_id=None, partner_id=shared_partner.id)])
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(self._events().company_id, self.company)

    def test_server_keeps_serving_after_abuse(self):
        self._post(b"[" * 100_000, raw=True)
        self._post(iter([b"x" * (MAX_BODY_BYTES + 10)]), raw=True)
        response = self._post([self._view("after")])
        self.assertEqual(response.status_code, 201, response.text)
