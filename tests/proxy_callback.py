"""A LiteLLM callback the e2e tests load into the proxy: it appends one JSON line per logged
call (call type, model, cost, the calling key's hash) to $PROXY_CALLBACK_LOG."""

import json
import os

from litellm.integrations.custom_logger import CustomLogger


class CallRecorder(CustomLogger):
    async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):
        metadata = (kwargs.get("litellm_params") or {}).get("metadata") or {}
        record = {
            "call_type": kwargs.get("call_type"),
            "model": kwargs.get("model"),
            "response_cost": kwargs.get("response_cost"),
            "user_api_key_hash": metadata.get("user_api_key_hash"),
            "user_api_key_alias": metadata.get("user_api_key_alias"),
            "pid": os.getpid(),
        }
        with open(os.environ["PROXY_CALLBACK_LOG"], "a") as f:
            f.write(json.dumps(record) + "\n")


recorder = CallRecorder()
