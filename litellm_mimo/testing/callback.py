"""A LiteLLM callback loaded into the proxies the tests and the offline try-out start: one JSON
line per request to $PROXY_CALLBACK_LOG, for answers (call type, model, status 200, seconds,
cost, the calling key's hash) and for refusals (model, status, seconds unknown)."""

import json
import os
import time

from litellm.integrations.custom_logger import CustomLogger


def _write(record: dict) -> None:
    with open(os.environ["PROXY_CALLBACK_LOG"], "a") as f:
        f.write(json.dumps({**record, "at": time.time(), "pid": os.getpid()}) + "\n")


class CallRecorder(CustomLogger):
    async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):
        metadata = (kwargs.get("litellm_params") or {}).get("metadata") or {}
        _write({
            "call_type": kwargs.get("call_type"),
            "model": kwargs.get("model"),
            "status": 200,
            "seconds": (end_time - start_time).total_seconds(),
            "response_cost": kwargs.get("response_cost"),
            "user_api_key_hash": metadata.get("user_api_key_hash"),
            "user_api_key_alias": metadata.get("user_api_key_alias"),
        })

    async def async_post_call_failure_hook(self, request_data, original_exception, user_api_key_dict,
                                           traceback_str=None):
        _write({"call_type": "failure", "model": (request_data or {}).get("model"),
                "status": _status(original_exception, user_api_key_dict), "seconds": None})


def _status(exception: Exception, user_api_key_dict) -> int:
    """The status the client got. A ProxyException's ``code`` is a string ("401")."""
    status = getattr(exception, "status_code", None) or getattr(exception, "code", None)
    if status is None and getattr(user_api_key_dict, "token", None) is None \
            and getattr(user_api_key_dict, "user_role", None) is None:
        # Refused by the key check, which hands this hook the bare exception (Exception("No api key
        # passed in.")) and only then answers the client 401 (litellm/proxy/auth/auth_exception_handler.py).
        return 401
    try:
        return int(status)
    except (TypeError, ValueError):
        return 500


recorder = CallRecorder()
