"""Every LiteLLM attribute this package replaces or reads privately, in one table, and the only
code that replaces LiteLLM functions.

LiteLLM ships weekly and these are its internals, so ``check()`` runs at ``register()``: each
attribute must exist and accept the parameters the package passes or reads by name (only those:
comparing whole signatures would break on every release). A missing one raises
``IncompatibleLiteLLM`` naming it and the installed LiteLLM version, before anything is
half-registered; a missing optional one (the proxy's, the cost-map replay record) is a warning,
once. ``install()`` / ``uninstall()`` walk the same table.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import inspect
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from . import audio_routes, capabilities, limits, model_list, param_gate
from .log import warn_once



class IncompatibleLiteLLM(RuntimeError):
    """The installed LiteLLM lacks something this package relies on."""


@dataclass(frozen=True)
class Patch:
    module: str
    name: str
    why: str  # what the package uses it for
    relies_on: str  # the LiteLLM behaviour that makes that work
    test: str  # the test that fails without this entry
    params: tuple[str, ...] = ()  # parameters the package passes or reads by name
    route: Callable | None = None  # replaced by a wrapper calling route(original, ...); None: only read
    optional: bool = False  # missing: warn once and go on without it

    @property
    def key(self) -> str:
        return f"{self.module}.{self.name}"


_ROUTER_BY_NAME = "the Router and acompletion reach it by attribute at call time"
_NO_AUDIO_HOOK = "LiteLLM has no speech/transcription hook for custom providers; " + _ROUTER_BY_NAME
_BY_EACH_NAME = "tests/test_registration.py::test_every_replaced_function_serves_xiaomi_by_each_name"
_REPLACED = [
    *(Patch(module, "completion", "let thinking, reasoning_effort and user through for xiaomi/ calls; "
            "re-register the catalogue after a cost-map replacement",
            "the OpenAI-like param gate honours allowed_openai_params; " + _ROUTER_BY_NAME, _BY_EACH_NAME,
            params=("model", "allowed_openai_params"), route=param_gate.completion)
      for module in ("litellm", "litellm.main")),
    *(Patch(module, name, f"serve xiaomi/ {name} in MiMo's chat dialect", _NO_AUDIO_HOOK, _BY_EACH_NAME,
            params=("model",), route=route)
      for module in ("litellm", "litellm.main")
      for name, route in (("speech", audio_routes.speech_route), ("aspeech", audio_routes.aspeech_route),
                          ("transcription", audio_routes.transcription_route),
                          ("atranscription", audio_routes.atranscription_route))),
    Patch("litellm", "get_supported_openai_params", "answer what each xiaomi/ model accepts",
          "it answers every custom provider from one generic list; get_model_info, DSPy and ADK reach it by "
          "attribute", "tests/test_capabilities.py::test_supported_params_are_what_the_package_accepts",
          params=("model", "custom_llm_provider", "request_type", "base_model"),
          route=capabilities.supported_openai_params),
    Patch("litellm.utils", "get_model_info_helper", "keep xiaomi/ capabilities readable after litellm.model_cost "
          "is replaced", "the supports_* functions and get_model_info call it by its module-global name",
          "tests/test_capabilities.py::test_capabilities_survive_a_replaced_cost_map",
          params=("model", "custom_llm_provider", "api_base", "api_key"), route=capabilities.model_info),
    Patch("litellm.proxy.auth.model_checks", "get_provider_models",
          "list xiaomi/<id> for a xiaomi/* deployment in the proxy's /v1/models",
          "the proxy expands wildcard deployments through it and knows only built-in providers",
          "tests/test_proxy.py::test_models_lists_current_ids_what_mimo_lists_and_never_a_retired_one",
          params=("provider", "litellm_params"), route=model_list.provider_models, optional=True),
]
# The proxy's ASGI app: its middleware stack is wrapped (not replaced) by a request-body limit.
_APP = Patch("litellm.proxy.proxy_server", "app", "refuse request bodies over the transcription limit before "
             "they are parsed", "LiteLLM's own max_request_size_mb is enforced only with an enterprise licence; "
             "a Starlette app calls app.middleware_stack for every request",
             "tests/test_limits.py::test_a_chunked_body_over_the_limit_is_a_413", route=limits.BodyLimit, optional=True)
_REGISTER = "tests/test_registration.py::test_unregister_undoes_everything"
_READ = [
    Patch("litellm", "custom_provider_map", "register the handler", "a list of {provider, custom_handler}", _REGISTER),
    Patch("litellm", "_custom_providers", "unregister the provider", "custom_llm_setup() fills it", _REGISTER),
    Patch("litellm", "provider_list", "unregister the provider", "custom_llm_setup() appends to it", _REGISTER),
    Patch("litellm.utils", "custom_llm_setup", "apply custom_provider_map", "it reads custom_provider_map", _REGISTER),
    Patch("litellm", "register_model", "register prices and capabilities", "model keys xiaomi/<id>",
          "tests/test_models.py::test_prices_survive_a_replaced_cost_map_in_a_fresh_interpreter",
          params=("model_cost",)),
    Patch("litellm.utils", "_invalidate_model_cost_lowercase_map", "forget unregistered models",
          "model lookups go through a cached lowercase map", _REGISTER),
    Patch("litellm.utils", "_runtime_registered_model_cost", "forget our register_model calls on unregister",
          "a cost-map reload replays register_model calls recorded here",
          "tests/test_registration.py::test_a_reloaded_cost_map_does_not_bring_unregistered_models_back",
          optional=True),
    Patch("litellm.proxy.proxy_server", "llm_router", "keep replayed reasoning where every replica finds it",
          "the proxy's Router lives there, its cache holding the Redis of router_settings",
          "tests/test_fleet.py::test_a_tool_turns_reasoning_is_shared_by_the_replicas", optional=True),
    Patch("litellm.secret_managers.main", "get_secret_str", "read a deployment's os.environ/NAME key for /v1/models",
          "the proxy's own resolution of os.environ/ references",
          "tests/test_proxy.py::test_models_lists_current_ids_what_mimo_lists_and_never_a_retired_one",
          params=("secret_name",)),
    Patch("litellm.main", "speech", "bind speech arguments by name", "the async twin takes *args, **kwargs",
          _BY_EACH_NAME, params=("model", "input", "voice", "instructions", "response_format", "speed")),
    Patch("litellm.main", "transcription", "bind transcription arguments by name", "the async twin takes *args, "
          "**kwargs", _BY_EACH_NAME, params=("model", "file", "language", "prompt", "response_format",
                                            "timestamp_granularities", "temperature")),
]
TABLE: tuple[Patch, ...] = (*_REPLACED, _APP, *_READ)


def litellm_version() -> str:
    try:
        return importlib.metadata.version("litellm")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _module(patch: Patch) -> Any:
    """The patch's module, or None for an optional one whose module is not loaded (the proxy's
    modules exist only inside the proxy: importing them would import the whole proxy)."""
    if patch.optional:
        return sys.modules.get(patch.module)
    try:
        return importlib.import_module(patch.module)
    except ImportError:
        return None


def problem(patch: Patch) -> str | None:
    """What is wrong with one entry in the installed LiteLLM, or None."""
    module = _module(patch)
    if module is None:
        return None if patch.optional else f"module {patch.module} cannot be imported"
    if not hasattr(module, patch.name):
        return f"{patch.key} does not exist"
    if patch.params:
        try:
            parameters = inspect.signature(getattr(module, patch.name)).parameters
        except (TypeError, ValueError):
            return f"{patch.key} has no readable signature"
        if not any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
            missing = [name for name in patch.params if name not in parameters]
            if missing:
                return f"{patch.key} takes no {', '.join(missing)}"
        if patch.route is not None and not _takes_every(patch.route, parameters):
            return f"{patch.key} takes parameters the package's replacement would refuse"
    return None


def _takes_every(route: Callable, parameters: Mapping[str, inspect.Parameter]) -> bool:
    """Whether ``route(original, ...)`` accepts every parameter LiteLLM's function does (LiteLLM adds
    keyword parameters and passes them by name: one the route refused would fail every such call)."""
    accepted = inspect.signature(route).parameters
    if any(p.kind is p.VAR_KEYWORD for p in accepted.values()):
        return True
    return all(name in accepted for name, p in parameters.items() if p.kind is not p.VAR_POSITIONAL)


def check() -> None:
    """Raise ``IncompatibleLiteLLM`` for the first required entry the installed LiteLLM lacks;
    warn once for an optional one."""
    for patch in TABLE:
        found = problem(patch)
        if found is None:
            continue
        if not patch.optional:
            raise IncompatibleLiteLLM(
                f"litellm-mimo cannot use LiteLLM {litellm_version()}: {found}. It needs it to {patch.why} "
                f"({patch.relies_on}). See the README for the tested LiteLLM versions.")
        warn_once(patch.key, "litellm-mimo works without one part on LiteLLM %s: %s, so it cannot %s (%s).",
                  litellm_version(), found, patch.why, patch.relies_on)


@dataclass
class _Installed:
    original: Callable
    wrapper: Callable | None = None
    active: bool = True


_installed: dict[str, _Installed] = {}


def _wrapper(route: Callable, record: _Installed) -> Callable:
    """``record.original`` replaced by ``route(original, ...)`` while active; once uninstalled it
    passes every call straight to the original: a reference taken while registered
    (``held = litellm.completion``, ``from litellm import speech``), or the wrapper buried under
    another plugin's, keeps working."""
    original = record.original
    if inspect.iscoroutinefunction(route):
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            if record.active:
                return await route(original, *args, **kwargs)
            return await original(*args, **kwargs)
    else:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if record.active:
                return route(original, *args, **kwargs)
            return original(*args, **kwargs)
    functools.update_wrapper(wrapper, original)
    wrapper.__litellm_mimo__ = True
    return wrapper


def install() -> None:
    """Replace each entry with a route whose module is loaded; idempotent. One wrapper per entry
    for the life of the process, so a reference to it works again after a new register()."""
    for patch in _REPLACED:
        module = _module(patch)
        if module is None or not hasattr(module, patch.name):
            continue
        record = _installed.get(patch.key)
        if record is None:
            record = _installed[patch.key] = _Installed(getattr(module, patch.name))
            record.wrapper = _wrapper(patch.route, record)
        if getattr(module, patch.name) is record.original:
            setattr(module, patch.name, record.wrapper)
        record.active = True  # else it is ours already, or ours under another plugin's wrapper
    app = getattr(_module(_APP), _APP.name, None)
    if app is not None and not isinstance(app.middleware_stack, limits.BodyLimit):
        # Starlette builds the stack on the app's first call (the lifespan's, in the proxy, which
        # loads this package); building it here when it is not built yet gives one way in and out.
        app.middleware_stack = limits.BodyLimit(app.middleware_stack or app.build_middleware_stack())


def uninstall() -> None:
    """Put LiteLLM's originals back. Where another plugin has wrapped one of ours since, that
    wrapper stays (removing it would remove the other plugin) and ours passes calls through."""
    for key, record in _installed.items():
        record.active = False
        module_name, _, name = key.rpartition(".")
        module = sys.modules.get(module_name)
        if module is not None and getattr(module, name, None) is record.wrapper:
            setattr(module, name, record.original)
    app = getattr(_module(_APP), _APP.name, None)
    if app is not None and isinstance(app.middleware_stack, limits.BodyLimit):
        app.middleware_stack = app.middleware_stack.app


def replaced() -> list[str]:
    """The LiteLLM functions replaced now, by their dotted names."""
    return [key for key, installed in _installed.items() if installed.active]
