"""`AzureChatOpenAI` and `AzureOpenAI`: OpenAI models deployed on Azure.

Requests go to ``{azure_endpoint}/openai/deployments/{deployment}/...?api-version=...``
with an ``api-key`` header (or an Entra ID token). Azure's stream differs from OpenAI's
in frames the decoder skips: a first prompt-annotation frame with empty ``choices`` and
content-filter annotation frames whose choice has no ``delta``. With `base_url` instead of
an endpoint (Azure's ``/openai/v1/`` API) no deployment or API version is needed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Annotated, Any, ClassVar

from pydantic import AliasChoices, Field, SecretStr

from runnel.providers._keys import api_key
from runnel.providers.openai._chat import ChatOpenAI
from runnel.providers.openai._llm import OpenAI
from runnel.providers.openai._sdk import client_classes, shared_client

__all__ = ["AzureChatOpenAI", "AzureOpenAI"]

_KEY_VARIABLE = "AZURE_OPENAI_API_KEY"


def _env(*names: str) -> Callable[[], str | None]:
    def read() -> str | None:
        return next((found for name in names if (found := os.environ.get(name))), None)

    return read


_Endpoint = Annotated[str | None, Field(default_factory=_env("AZURE_OPENAI_ENDPOINT"))]
_Deployment = Annotated[
    str | None,
    Field(
        default_factory=_env("AZURE_OPENAI_DEPLOYMENT_NAME"),
        validation_alias=AliasChoices("azure_deployment", "deployment_name"),
    ),
]
_Version = Annotated[
    str | None,
    Field(
        default_factory=_env("AZURE_OPENAI_API_VERSION", "OPENAI_API_VERSION"),
        validation_alias=AliasChoices("api_version", "openai_api_version"),
    ),
]
_AdToken = Annotated[
    SecretStr | None,
    Field(default_factory=lambda: _secret_env("AZURE_OPENAI_AD_TOKEN"), repr=False),
]
_TokenProvider = Annotated[Callable[[], str] | None, Field(default=None, exclude=True, repr=False)]
_Key = Annotated[
    SecretStr | None,
    Field(
        default=None,
        repr=False,
        validation_alias=AliasChoices("api_key", "openai_api_key", "azure_openai_api_key"),
    ),
]


def _secret_env(name: str) -> SecretStr | None:
    found = os.environ.get(name)
    return SecretStr(found) if found else None


def _check(model: Any, name: str) -> None:
    """Resolve the key (unless an Entra ID token stands in) and check the endpoint.

    Raises:
        MissingAPIKeyError: no key, no token, and ``AZURE_OPENAI_API_KEY`` is unset.
        ValueError: no endpoint (nor base URL), or an endpoint without an API version.
    """
    if model.azure_ad_token is None and model.azure_ad_token_provider is None:
        model.api_key = api_key(model.api_key, variable=_KEY_VARIABLE, provider="azure")
    if not model.azure_endpoint and not model.base_url:
        raise ValueError(
            f"{name} needs an Azure endpoint: set AZURE_OPENAI_ENDPOINT or pass "
            "azure_endpoint='https://<resource>.openai.azure.com' (or base_url=... for "
            "Azure's v1 API)"
        )
    if model.azure_endpoint and not model.api_version:
        raise ValueError(
            f"{name} needs an API version: set AZURE_OPENAI_API_VERSION (or "
            "OPENAI_API_VERSION) or pass api_version='2024-10-21'"
        )


def _azure_client(model: Any, is_async: bool) -> Any:
    """The SDK client for an Azure model: `AzureOpenAI` for an endpoint (or a base URL with
    an API version), the plain `OpenAI` client for Azure's v1 API (a base URL alone)."""
    plain, azure = client_classes(is_async)
    options = model._client_options()
    token = model.azure_ad_token.get_secret_value() if model.azure_ad_token else None
    if not (model.azure_endpoint or model.api_version):
        if options.get("api_key") is None:
            options["api_key"] = token or model.azure_ad_token_provider
        return shared_client(plain, options)
    if model.azure_endpoint:
        options.pop("base_url", None)
        options["azure_endpoint"] = model.azure_endpoint
        options["azure_deployment"] = model.azure_deployment
    options["api_version"] = model.api_version
    if token is not None:
        options["azure_ad_token"] = token
    if model.azure_ad_token_provider is not None:
        options["azure_ad_token_provider"] = model.azure_ad_token_provider
    return shared_client(azure, options)


class AzureChatOpenAI(ChatOpenAI):
    """OpenAI chat models deployed on Azure OpenAI, streamed token by token.

    Settings come from the arguments or the environment: ``AZURE_OPENAI_API_KEY``,
    ``AZURE_OPENAI_ENDPOINT``, ``AZURE_OPENAI_DEPLOYMENT_NAME`` and
    ``AZURE_OPENAI_API_VERSION`` (or ``OPENAI_API_VERSION``). An Entra ID token
    (`azure_ad_token`, ``AZURE_OPENAI_AD_TOKEN``, or `azure_ad_token_provider`) may replace
    the key. Everything else is as `ChatOpenAI` (``max_tokens`` is sent as such).

    Attributes:
        azure_endpoint: ``https://<resource>.openai.azure.com``.
        azure_deployment: The deployment to call (alias ``deployment_name``); without it
            the SDK uses the `model` as the deployment name.
        api_version: The API version, e.g. ``"2024-10-21"`` (alias ``openai_api_version``).
        model: The deployed model's name, reported as ``ls_model_name`` (else the
            deployment name is).
        model_version: Appended to the reported model name (``gpt-4o-2024-08-06``).
    """

    _provider: ClassVar[str] = "azure"
    _key_variable: ClassVar[str | None] = None  # resolved in __init__: a token may replace it
    _base_url_variable: ClassVar[str | None] = None
    _max_tokens_param: ClassVar[str] = "max_tokens"
    _developer_role: ClassVar[bool] = False

    model: str | None = Field(  # type: ignore[assignment]
        default=None, validation_alias=AliasChoices("model", "model_name")
    )
    api_key: _Key = None
    azure_endpoint: _Endpoint
    azure_deployment: _Deployment
    api_version: _Version
    azure_ad_token: _AdToken
    azure_ad_token_provider: _TokenProvider = None
    model_version: str = ""

    def __init__(self, **data: Any) -> None:
        super().__init__(**data)
        _check(self, type(self).__name__)

    @property
    def deployment_name(self) -> str | None:
        """The deployment (LangChain's name for `azure_deployment`)."""
        return self.azure_deployment

    @property
    def _llm_type(self) -> str:
        return "azure-openai-chat"

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> dict[str, Any]:
        params = super()._get_ls_params(stop=stop, **kwargs)
        if "model" not in kwargs:
            if self.model:
                suffix = f"-{self.model_version.lstrip('-')}" if self.model_version else ""
                params["ls_model_name"] = self.model + suffix
            elif self.azure_deployment:
                params["ls_model_name"] = self.azure_deployment
        return params

    def _request_model(self) -> str | None:
        return self.model or self.azure_deployment

    def _client(self, is_async: bool) -> Any:
        return _azure_client(self, is_async)


class AzureOpenAI(OpenAI):
    """OpenAI text completion models deployed on Azure OpenAI.

    Configured as `AzureChatOpenAI` (same environment variables and fields); otherwise
    as `OpenAI`.
    """

    _provider: ClassVar[str] = "azure"
    _key_variable: ClassVar[str | None] = None  # resolved in __init__: a token may replace it
    _base_url_variable: ClassVar[str | None] = None

    model: str | None = Field(  # type: ignore[assignment]
        default=None, validation_alias=AliasChoices("model", "model_name")
    )
    api_key: _Key = None
    azure_endpoint: _Endpoint
    azure_deployment: _Deployment
    api_version: _Version
    azure_ad_token: _AdToken
    azure_ad_token_provider: _TokenProvider = None

    def __init__(self, **data: Any) -> None:
        super().__init__(**data)
        _check(self, type(self).__name__)

    @property
    def deployment_name(self) -> str | None:
        """The deployment (LangChain's name for `azure_deployment`)."""
        return self.azure_deployment

    @property
    def _llm_type(self) -> str:
        return "azure"

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> dict[str, Any]:
        params = super()._get_ls_params(stop=stop, **kwargs)
        if "model" not in kwargs and not self.model and self.azure_deployment:
            params["ls_model_name"] = self.azure_deployment
        return params

    def _request_model(self) -> str | None:
        return self.model or self.azure_deployment

    def _client(self, is_async: bool) -> Any:
        return _azure_client(self, is_async)
