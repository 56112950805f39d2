"""MiMo error bodies -> LiteLLM exceptions.

MiMo's error bodies come in several shapes (see the error table in docs/mimo-api.md):
``{"error": {"code": "400", "message": "Param Incorrect", "param": "<the real reason>"}}``,
an unwrapped ``{"type": "server_error", "message": ...}`` on 402, an openresty HTML page on
404, and, for ``stream: true`` requests, the same JSON framed as ``data:{...}``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import httpx
import litellm

PROVIDER = "xiaomi"  # the provider name: LiteLLM's model keys and exceptions carry it

# HTTP 400 bodies whose error.code names a moderation decision rather than a bad request.
CONTENT_POLICY_CODES = {
    "421": "MiMo's content moderation blocked this request",
    "441": "MiMo's risk control blocked this request",
}

_CONTEXT_WINDOW = re.compile(
    r"context (length|window)|maximum context|too many (input )?tokens|prompt is too long|"
    r"input (is )?too long|exceeds? the (model's )?(maximum|max) (input|context)",
    re.IGNORECASE,
)
_UNKNOWN_MODEL = re.compile(r"(unsupported|not supported) model", re.IGNORECASE)
_HTML_TITLE = re.compile(r"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_MAX_REASON = 500


def parse_error_body(body: str) -> tuple[str, str | None]:
    """Return ``(reason, code)`` for any MiMo error body: the text a user should read, and
    MiMo's ``error.code`` (a string) if there was one."""
    text = body.strip()
    if text.startswith("data:"):  # SSE-framed error on a stream request (docs/mimo-api.md)
        text = text[len("data:") :].strip().split("\n", 1)[0]
    try:
        data = json.loads(text)
    except ValueError:
        title = _HTML_TITLE.search(text)
        if title:
            return f"MiMo answered with an HTML page: {title.group(1).strip()}", None
        return (text[:_MAX_REASON] or "empty response body"), None
    if not isinstance(data, dict):
        return text[:_MAX_REASON], None
    error = data.get("error") if isinstance(data.get("error"), dict) else data
    message = str(error.get("message") or "").strip()
    param = str(error.get("param") or "").strip()
    # The useful reason is usually in `param`, not `message` ("Param Incorrect").
    parts = [p for p in (message, param) if p]
    if len(parts) == 2 and parts[1] in parts[0]:
        parts = parts[:1]
    reason = ": ".join(parts) or text[:_MAX_REASON]
    code = error.get("code")
    return reason[:_MAX_REASON], (str(code) if code is not None else None)


def redact(text: str, secret: str | None) -> str:
    if secret and len(secret) >= 4:
        text = text.replace(secret, "[REDACTED]")
    return text


def from_response(
    status: int,
    body: str,
    *,
    model: str,
    api_key: str | None = None,
    headers: Mapping[str, str] | None = None,
    unknown_model_hint: str | None = None,
) -> Exception:
    """The LiteLLM exception for one MiMo error answer. ``unknown_model_hint`` is added when MiMo
    says it does not know the model."""
    reason, code = parse_error_body(redact(body, api_key))  # before any cut, so no part of a key is left
    if unknown_model_hint and _UNKNOWN_MODEL.search(reason):
        reason = f"{reason}. {unknown_model_hint}"
    response = httpx.Response(
        status,
        headers=dict(headers or {}),
        content=redact(body, api_key).encode(),
        request=httpx.Request("POST", "https://mimo.invalid/chat/completions"),
    )
    common = {"model": model, "llm_provider": PROVIDER, "response": response}
    if code in CONTENT_POLICY_CODES:
        return litellm.ContentPolicyViolationError(
            message=f"{CONTENT_POLICY_CODES[code]} (MiMo code {code}): {reason}", **common)
    if status == 400 and _CONTEXT_WINDOW.search(reason):
        return litellm.ContextWindowExceededError(message=f"MiMo: {reason}", **common)
    if status == 408:  # LiteLLM's Timeout takes no response
        return litellm.Timeout(message=f"MiMo timed out: {reason}", model=model, llm_provider=PROVIDER)
    known = _BY_STATUS.get(status) or (_SERVER_ERROR if status >= 500 else None)
    if known is None:
        return litellm.APIError(status_code=status, message=f"MiMo answered HTTP {status}: {reason}",
                                llm_provider=PROVIDER, model=model, request=response.request, response=response)
    exception, message = known
    return exception(message=message.format(reason=reason, status=status), **common)


# HTTP status -> (LiteLLM exception, message); any other 5xx is _SERVER_ERROR.
_BY_STATUS = {
    400: (litellm.BadRequestError, "MiMo rejected the request: {reason}"),
    401: (litellm.AuthenticationError, "MiMo rejected the API key: {reason}. Check the key and its host (a Token "
                                       "Plan `tp-` key works only on its own region's): `python -m litellm_mimo "
                                       "doctor` shows which host answers it."),
    402: (litellm.PaymentRequiredError, "MiMo account balance is insufficient: {reason}"),
    403: (litellm.PermissionDeniedError, "MiMo refused access: {reason}"),
    404: (litellm.NotFoundError, "MiMo has no such endpoint: {reason}"),
    422: (litellm.UnprocessableEntityError, "MiMo: {reason}"),
    429: (litellm.RateLimitError, "MiMo rate limit: {reason}"),
    502: (litellm.BadGatewayError, "MiMo bad gateway: {reason}"),
    503: (litellm.ServiceUnavailableError, "MiMo is overloaded: {reason}"),
}
_SERVER_ERROR = (litellm.InternalServerError, "MiMo server error {status}: {reason}")


def from_stream_event(error: Mapping, *, model: str, api_key: str | None = None) -> Exception:
    """An ``{"error": ...}`` event inside a 200 stream."""
    code = str(error.get("code") or "")
    status = int(code) if code.isdigit() and 400 <= int(code) < 600 else 500
    if code in CONTENT_POLICY_CODES:
        status = 400
    return from_response(status, json.dumps({"error": dict(error)}), model=model, api_key=api_key)


def bad_request(message: str, *, model: str = "") -> litellm.BadRequestError:
    """A caller mistake found before anything is sent: OpenAI's invalid_request_error. The model is
    stamped where the call enters the package (``stamped``), not passed down to every check."""
    error = litellm.BadRequestError(message=message, model=model, llm_provider=PROVIDER)
    error.type = "invalid_request_error"  # the proxy's audio routes read e.type (docs/litellm-internals.md)
    return error


@contextmanager
def stamping(model: str) -> Iterator[None]:
    """Where a call enters the package: what its checks raise names the call's model."""
    try:
        yield
    except Exception as exc:
        stamped(exc, model)
        raise


def stamped(exc: Exception, model: str) -> Exception:
    """The exception naming the model of the call it came from, where a check raised it without."""
    if hasattr(exc, "llm_provider") and not getattr(exc, "model", None):
        exc.model = model
    return exc


def _response(status: int) -> httpx.Response:
    return httpx.Response(status, request=httpx.Request("POST", "https://mimo.invalid/chat/completions"))


def unmet_contract(message: str, *, model: str) -> litellm.UnprocessableEntityError:
    """MiMo's answer does not do what the caller required (``structured.py``): 422, which LiteLLM's
    Router neither retries nor cools a deployment down for, and the official clients do not retry."""
    error = litellm.UnprocessableEntityError(message=message[:1000], model=model, llm_provider=PROVIDER,
                                             response=_response(422))
    error.type = "invalid_request_error"
    return error


class SchemaViolation(litellm.UnprocessableEntityError):
    """MiMo's answer broke the JSON Schema the caller asked for (``structured.py``): a 422, with
    the answer and the schema as LiteLLM's ``JSONSchemaValidationError`` carries them
    (``raw_response``, ``schema``). Not a subclass of that one: its and this one's constructors
    cannot both run (each hands its parent a different signature)."""

    def __init__(self, message: str, *, model: str, raw_response: str, schema: str) -> None:
        super().__init__(message=message[:1000], model=model, llm_provider=PROVIDER, response=_response(422))
        self.raw_response, self.schema = raw_response, schema
        self.type = "invalid_request_error"


def malformed_upstream(message: str, *, model: str) -> litellm.APIError:
    """MiMo answered 200 with something unusable (no choices, no audio, bad base64, not JSON)."""
    error = litellm.APIError(status_code=502, message=message[:500], llm_provider=PROVIDER, model=model)
    error.type = "api_error"
    return error


_OPENAI_TYPES = {401: "authentication_error", 403: "permission_error", 429: "rate_limit_error"}


def openai_type(status: int) -> str:
    """The ``error.type`` LiteLLM's chat route gives an exception that carries none
    (``proxy/common_utils/openai_error_payload.py``), so audio errors read like chat errors."""
    return _OPENAI_TYPES.get(status) or ("invalid_request_error" if status < 500 else "internal_server_error")


def with_openai_type(exc: Exception) -> Exception:
    """Give an exception OpenAI's ``error.type`` if it has none: the proxy's audio routes build
    the error body with ``getattr(e, "type", ...)`` and would otherwise send null
    (docs/litellm-internals.md, "Audio routes")."""
    if getattr(exc, "type", None):
        return exc
    status = getattr(exc, "status_code", None)
    try:
        exc.type = openai_type(int(status) if status is not None else 500)
    except (AttributeError, TypeError, ValueError):
        pass
    return exc


def transport_error(exc: httpx.HTTPError, *, model: str, timeout: object) -> Exception:
    if isinstance(exc, httpx.TimeoutException):
        return litellm.Timeout(
            message=f"MiMo did not answer within the timeout ({timeout}): {type(exc).__name__}",
            model=model,
            llm_provider=PROVIDER,
        )
    return litellm.APIConnectionError(
        message=f"Could not reach MiMo: {type(exc).__name__}: {exc}",
        model=model,
        llm_provider=PROVIDER,
    )
