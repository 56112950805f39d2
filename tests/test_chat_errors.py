"""MiMo's error families -> LiteLLM exceptions, replayed from cassettes (cassettes/error_*.yaml).

Natural errors (bad key, too many tokens, unknown model) can be re-recorded against the real
API; the others come from the stand-in's fault injection (``X-Standin-Fault``).
"""

import litellm
import pytest
from litellm.exceptions import MidStreamFallbackError

from tests.conftest import FAULTS, cassette_precondition, creds, recorded_body, recorder, sent

MODEL = "xiaomi/mimo-v2.6-pro"
HI = [{"role": "user", "content": "Hi, who are you?"}]
# The faults of the shared table recorded as cassettes (cassettes/error_<fault>.yaml).
RECORDED = [FAULTS[name] for name in ("400-invalid", "400-context", "402", "403", "404", "421", "441", "429", "500", "503")]


@pytest.mark.parametrize("fault", RECORDED, ids=[f.name for f in RECORDED])
def test_error_family(fault, mimo_api, standin_only):
    with recorder.use_cassette(f"error_{fault.name}.yaml") as cass:
        with pytest.raises(fault.exception) as caught:
            litellm.completion(model=MODEL, messages=HI, extra_headers={"X-Standin-Fault": fault.name}, **creds(mimo_api))
    assert type(caught.value) is fault.exception
    assert caught.value.status_code == fault.status
    assert fault.words.lower() in str(caught.value).lower()
    cassette_precondition(cass.responses[0]["status"]["code"] == (400 if fault.name in ("421", "441") else int(fault.name[:3])),
                          "MiMo answered with the fault's status")
    assert mimo_api["api_key"] not in str(caught.value)


def test_invalid_key_is_authentication_error(mimo_api):
    with recorder.use_cassette("error_401.yaml"):
        with pytest.raises(litellm.AuthenticationError, match="Invalid API Key: Please provide valid API Key") as caught:
            litellm.completion(model=MODEL, messages=HI, api_base=mimo_api["api_base"], api_key="invalid-key")
    assert "invalid-key" not in str(caught.value)


def test_unsupported_model(mimo_api):
    with recorder.use_cassette("error_400_unsupported_model.yaml") as cass:
        with pytest.raises(litellm.BadRequestError, match="Unsupported model mimo-v2.6") as caught:
            litellm.completion(model="xiaomi/mimo-v2.6", messages=HI, **creds(mimo_api))
    assert sent(cass)["model"] == "mimo-v2.6"
    assert "chat models this package knows as current: mimo-v2.6-pro, mimo-v2.6-flash" in str(caught.value)


def test_sse_framed_error_on_a_stream_request(mimo_api, standin_only):
    """MiMo answers a bad stream request with HTTP 400 and a body framed as `data:{...}`."""
    with recorder.use_cassette("error_stream_sse_framed.yaml") as cass:
        with pytest.raises(litellm.BadRequestError, match="stream request rejected"):
            litellm.completion(model=MODEL, messages=HI, stream=True, extra_headers={"X-Standin-Fault": "sse-error"},
                               **creds(mimo_api))
    cassette_precondition(recorded_body(cass).startswith("data:{"), "MiMo framed its error as SSE")


# LiteLLM wraps a 5xx or connection error raised inside a stream in MidStreamFallbackError
# (so the Router can fall back), keeping ours as original_exception: same as its own providers.
@pytest.mark.parametrize("fault,cassette,words,original", [
    ("instream-error", "error_stream_event.yaml", "Internal error during generation", litellm.InternalServerError),
    ("cut", "error_stream_cut.yaml", "stream ended before the answer was complete", litellm.APIConnectionError),
], ids=["error-event", "cut-before-done"])
def test_mid_stream_faults(mimo_api, standin_only, fault, cassette, words, original):
    with recorder.use_cassette(cassette):
        with pytest.raises(MidStreamFallbackError, match=words) as caught:
            list(litellm.completion(model=MODEL, messages=HI, stream=True,
                                    extra_headers={"X-Standin-Fault": fault}, **creds(mimo_api)))
    assert isinstance(caught.value.original_exception, original)


def test_keepalive_comment_before_the_stream(mimo_api, standin_only):
    with recorder.use_cassette("chat_stream_keepalive.yaml") as cass:
        chunks = list(litellm.completion(model=MODEL, messages=HI, stream=True,
                                         extra_headers={"X-Standin-Fault": "keepalive"}, **creds(mimo_api)))
    cassette_precondition(recorded_body(cass).startswith(": PROCESSING"), "the stream starts with the keep-alive")
    assert litellm.stream_chunk_builder(chunks).choices[0].message.content.startswith("Echo:")


@pytest.mark.parametrize("fault", ["notjson", "nochoices"])
def test_malformed_success_body(fault, mimo_api, standin_only):
    with recorder.use_cassette(f"error_{fault}.yaml"):
        with pytest.raises(litellm.APIError, match="MiMo (answered with a body that is not JSON|sent a malformed response)"):
            litellm.completion(model=MODEL, messages=HI, extra_headers={"X-Standin-Fault": fault}, **creds(mimo_api))
