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
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import limits, routing

logger = logging.getLogger("litellm_mimo")


class IncompatibleLiteLLM(RuntimeError):
    """The installed LiteLLM lacks something this package relies on."""


@dataclass(frozen=True)
class Patch:
    module: str
    name: str
    why: str  # what the package uses it for
    relies_on: str  # the LiteLLM behaviour that makes that work
    params: tuple[str, ...] = ()  # parameters the package passes or reads by name
    route: Callable | None = None  # replaced by a wrapper calling route(original, ...); None: only read
    optional: bool = False  # missing: warn once and go on without it

    @property
    def key(self) -> str:
        return f"{self.module}.{self.name}"


_ROUTER_BY_NAME = "the Router and acompletion reach it by attribute at call time"
_NO_AUDIO_HOOK = "LiteLLM has no speech/transcription hook for custom providers; " + _ROUTER_BY_NAME
_REPLACED = [
    *(Patch(module, "completion", "let thinking, reasoning_effort and user through for xiaomi/ calls; "
            "re-register the catalogue after a cost-map replacement",
            "the OpenAI-like param gate honours allowed_openai_params; " + _ROUTER_BY_NAME,
            params=("model", "allowed_openai_params"), route=routing.completion)
      for module in ("litellm", "litellm.main")),
    *(Patch(module, name, f"serve xiaomi/ {name} in MiMo's chat dialect", _NO_AUDIO_HOOK, params=("model",), route=route)
      for module in ("litellm", "litellm.main")
      for name, route in (("speech", routing.speech_route), ("aspeech", routing.aspeech_route),
                          ("transcription", routing.transcription_route),
                          ("atranscription", routing.atranscription_route))),
    *(Patch(module, name, "refuse xiaomi/ embeddings clearly (MiMo has none)",
            "a custom provider without embedding answers 500 'Not implemented yet!'; " + _ROUTER_BY_NAME,
            params=("model",), route=route)
      for module in ("litellm", "litellm.main")
      for name, route in (("embedding", routing.embedding_route), ("aembedding", routing.aembedding_route))),
    Patch("litellm.proxy.auth.model_checks", "get_provider_models",
          "list xiaomi/<id> for a xiaomi/* deployment in the proxy's /v1/models",
          "the proxy expands wildcard deployments through it and knows only built-in providers",
          params=("provider", "litellm_params"), route=routing.provider_models, optional=True),
]
# The proxy's ASGI app: its middleware stack is wrapped (not replaced) by a request-body limit.
_APP = Patch("litellm.proxy.proxy_server", "app", "refuse request bodies over the transcription limit before "
             "they are parsed", "LiteLLM's own max_request_size_mb is enforced only with an enterprise licence; "
             "a Starlette app calls app.middleware_stack for every request", route=limits.BodyLimit, optional=True)
_READ = [
    Patch("litellm", "custom_provider_map", "register the handler", "a list of {provider, custom_handler}"),
    Patch("litellm", "_custom_providers", "unregister the provider", "custom_llm_setup() fills it"),
    Patch("litellm", "provider_list", "unregister the provider", "custom_llm_setup() appends to it"),
    Patch("litellm.utils", "custom_llm_setup", "apply custom_provider_map", "it reads custom_provider_map"),
    Patch("litellm", "register_model", "register prices and capabilities", "model keys xiaomi/<id>",
          params=("model_cost",)),
    Patch("litellm.utils", "_invalidate_model_cost_lowercase_map", "forget unregistered models",
          "model lookups go through a cached lowercase map"),
    Patch("litellm.utils", "_runtime_registered_model_cost", "forget our register_model calls on unregister",
          "a cost-map reload replays register_model calls recorded here", optional=True),
    Patch("litellm.main", "speech", "bind speech arguments by name",
          "the async twin takes *args, **kwargs", params=("model", "input", "voice", "instructions",
                                                          "response_format", "speed")),
    Patch("litellm.main", "transcription", "bind transcription arguments by name",
          "the async twin takes *args, **kwargs", params=("model", "file", "language", "prompt", "response_format",
                                                          "timestamp_granularities", "temperature")),
    Patch("litellm.main", "embedding", "bind embedding arguments by name", "the async twin takes *args, **kwargs",
          params=("model",)),
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
    if patch.optional and patch.route is not None:
        return sys.modules.get(patch.module)
    try:
        return importlib.import_module(patch.module)
    except ImportError:
        return None


def problem(patch: Patch) -> str | None:
    """What is wrong with one entry in the installed LiteLLM, or None."""
    module = _module(patch)
    if module is None:
        return None if patch.optional and patch.route is not None else f"module {patch.module} cannot be imported"
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
    return None


_warned: set[str] = set()


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
        if patch.key not in _warned:
            _warned.add(patch.key)
            logger.warning("litellm-mimo works without one part on LiteLLM %s: %s, so it cannot %s (%s).",
                           litellm_version(), found, patch.why, patch.relies_on)


@dataclass
class _Installed:
    original: Callable
    wrapper: Callable
    active: bool = True


_installed: dict[str, _Installed] = {}


def _wrapper(route: Callable, original: Callable, key: str) -> Callable:
    """``original`` replaced by ``route(original, ...)`` while active; once uninstalled but buried
    under another plugin's wrapper, it passes every call straight to ``original``."""
    if inspect.iscoroutinefunction(route):
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            if _installed[key].active:
                return await route(original, *args, **kwargs)
            return await original(*args, **kwargs)
    else:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if _installed[key].active:
                return route(original, *args, **kwargs)
            return original(*args, **kwargs)
    functools.update_wrapper(wrapper, original)
    wrapper.__litellm_mimo__ = True
    return wrapper


def install() -> None:
    """Replace each entry with a route whose module is loaded; idempotent."""
    for patch in _REPLACED:
        module = _module(patch)
        if module is None or not hasattr(module, patch.name):
            continue
        known = _installed.get(patch.key)
        if known is not None and getattr(module, patch.name) is known.wrapper:
            continue
        if known is not None and not known.active:  # still there, under another plugin's wrapper
            known.active = True
            continue
        original = getattr(module, patch.name)
        wrapper = _wrapper(patch.route, original, patch.key)
        _installed[patch.key] = _Installed(original, wrapper)
        setattr(module, patch.name, wrapper)
    _install_body_limit()


def _install_body_limit() -> None:
    app = getattr(_module(_APP), "app", None)
    if app is None or isinstance(app.middleware_stack, limits.BodyLimit) or \
            any(m.cls is limits.BodyLimit for m in app.user_middleware):
        return
    if app.middleware_stack is None:  # not started yet: Starlette builds the stack on first use
        app.add_middleware(limits.BodyLimit)
    else:
        app.middleware_stack = limits.BodyLimit(app.middleware_stack)


def uninstall() -> None:
    """Put LiteLLM's originals back. Where another plugin has wrapped one of ours since, that
    wrapper stays (removing it would remove the other plugin) and ours passes calls through."""
    for key, installed in list(_installed.items()):
        module_name, _, name = key.rpartition(".")
        module = sys.modules.get(module_name)
        if module is not None and getattr(module, name, None) is installed.wrapper:
            setattr(module, name, installed.original)
            del _installed[key]
        else:
            installed.active = False
    app = getattr(_module(_APP), "app", None)
    if app is not None and isinstance(app.middleware_stack, limits.BodyLimit):
        app.middleware_stack = app.middleware_stack.app
    elif app is not None and app.middleware_stack is None:
        app.user_middleware = [m for m in app.user_middleware if m.cls is not limits.BodyLimit]
