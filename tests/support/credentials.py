"""Real Bot Framework credential classes whose token comes from here instead of Azure AD."""

from __future__ import annotations

from typing import Final

from botframework.connector.auth import MicrosoftAppCredentials, ServiceClientCredentialsFactory

APP_ID: Final = "11111111-2222-3333-4444-555555555555"
TOKEN: Final = "stand-in-token"


class StandInCredentials(MicrosoftAppCredentials):
    def get_access_token(self, force_refresh: bool = False) -> str:
        return TOKEN


class StandInCredentialsFactory(ServiceClientCredentialsFactory):
    def __init__(self) -> None:
        self.made = 0
        """Credentials made: each new connector or user-token client makes its own."""

    async def is_valid_app_id(self, app_id: str) -> bool:
        return app_id == APP_ID

    async def is_authentication_disabled(self) -> bool:
        return False

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> MicrosoftAppCredentials:
        self.made += 1
        return StandInCredentials(app_id, "not-a-real-password", oauth_scope=oauth_scope)
