"""WhatsApp's business-initiated messages go as approved templates with the letter's fields as
their parameters (free text only inside a recipient's 24-hour window), and the provider sandbox
answers a wrong request as the Cloud API does."""

import pytest
from fastapi.testclient import TestClient

from deploy.local.provider_sandbox import create_app
from services.notifications.adapters import channels
from services.notifications.domain import letters
from services.notifications.settings import Settings
from tests.unit.test_notifications_letters import invited

SETTINGS = Settings(environment="development")


def _content(kind="invitation"):
    data = invited()
    return channels.Content(subject="s", text=letters.short_text(data), template=letters.template(kind, data))


def test_an_invitation_is_sent_as_its_template_with_the_letters_fields():
    body = channels.WhatsApp(SETTINGS).body("+6281234561234", _content())
    assert body["type"] == "template" and body["to"] == "6281234561234"
    t = body["template"]
    assert t["name"] == "kesbang_undangan" and t["language"] == {"code": "id"}
    params = [p["text"] for p in t["components"][0]["parameters"]]
    assert len(params) == letters.TEMPLATE_PARAMETERS["invitation"] == 7
    assert params[0] == "Ketua LSM Gempar" and params[-1] == invited()["short_url"]


def test_free_text_goes_only_inside_the_recipients_window():
    open_window = channels.WhatsApp(SETTINGS, window_open=lambda phone: phone == "6281234561234")
    assert open_window.body("+6281234561234", _content())["type"] == "text"
    assert open_window.body("+6281299990000", _content())["type"] == "template"


def test_a_kind_without_a_configured_template_is_a_permanent_failure():
    s = SETTINGS.model_copy(update={"whatsapp_templates": {}})
    with pytest.raises(channels.Permanent, match="no template"):
        channels.WhatsApp(s).body("+6281234561234", _content())


@pytest.mark.parametrize("kind", ["reminder", "reminder_1d", "rescheduled", "cancelled"])
def test_every_notice_has_its_templates_number_of_parameters(kind):
    name, params = letters.template(kind, invited())
    assert len(params) == letters.TEMPLATE_PARAMETERS[name] and all(params)


def test_the_sandbox_answers_a_wrong_template_request_as_the_cloud_api_does(tmp_path):
    http = TestClient(create_app(tmp_path))
    auth = {"Authorization": "Bearer t"}
    good = channels.WhatsApp(SETTINGS).body("+6281234561234", _content())
    assert http.post("/v26.0/1/messages", json=good, headers=auth).status_code == 200
    unknown = {**good, "template": {**good["template"], "name": "undangan_bebas"}}
    r = http.post("/v26.0/1/messages", json=unknown, headers=auth)
    assert r.status_code == 400 and r.json()["error"]["code"] == 132001
    short = {**good, "template": {**good["template"], "components": [{"type": "body", "parameters": []}]}}
    assert http.post("/v26.0/1/messages", json=short, headers=auth).json()["error"]["code"] == 132000
    text = {**good, "type": "text", "text": {"body": "Halo"}}
    text.pop("template")
    assert http.post("/v26.0/1/messages", json=text, headers=auth).json()["error"]["code"] == 131047
    http.post("/sandbox/whatsapp/inbound", json={"from": "6281234561234"})
    assert http.post("/v26.0/1/messages", json=text, headers=auth).status_code == 200
    assert http.post("/v19.0/1/messages", json=good, headers=auth).status_code == 400  # a retired version
