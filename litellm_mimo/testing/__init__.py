"""Test helpers shipped with the package: LiteLLM's proxy run as a subprocess on 127.0.0.1
(``Proxy``), the shipped configs it runs on, and the offline try-out (``litellm-mimo tryout``)."""

from .proxy import AUTH, FLEET_CONFIG, MASTER_KEY, SHIPPED_CONFIG, Proxy, derived_config, free_port

__all__ = ["AUTH", "FLEET_CONFIG", "MASTER_KEY", "SHIPPED_CONFIG", "Proxy", "derived_config", "free_port"]
