"""FlowSettings: which modules define flows, besides the built-in corrections.

A worker and the command line import the same modules, so a flow a team writes for itself
(``REMEDIA_FLOW_MODULES=acme.flows``) runs everywhere the built-in ones do.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from remedia.flows import Catalogue, load_flow_modules
from remedia.flows.catalogue import BUILTIN_FLOW_MODULES


class FlowSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REMEDIA_FLOW_", extra="ignore")

    modules: str = Field(
        default="",
        description="Comma-separated Python modules that define flows, imported at start.",
    )

    def module_names(self) -> tuple[str, ...]:
        extra = tuple(m.strip() for m in self.modules.split(",") if m.strip())
        return BUILTIN_FLOW_MODULES + tuple(m for m in extra if m not in BUILTIN_FLOW_MODULES)

    def load(self) -> Catalogue:
        """Import every flow module; an import error names the module and the variable."""
        try:
            return load_flow_modules(self.module_names())
        except ImportError as exc:
            raise ImportError(
                f"cannot import a flow module ({exc}); check REMEDIA_FLOW_MODULES"
            ) from exc
