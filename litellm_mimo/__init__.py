"""Xiaomi MiMo for LiteLLM: ``import litellm_mimo`` registers the provider ``xiaomi``.

    import litellm, litellm_mimo
    litellm.completion(model="xiaomi/mimo-v2.6-pro", messages=[{"role": "user", "content": "Hi"}])
"""

__version__ = "0.2.0"

from .models import list_models
from .plugin import register, unregister
from .provider import handler
from .speech import audio_data_url

__all__ = ["__version__", "audio_data_url", "handler", "list_models", "register", "unregister"]

register()
