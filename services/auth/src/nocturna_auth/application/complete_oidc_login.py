"""Use case: the provider sent the browser back: verify, find or link or create the account, sign in."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from nocturna_contracts.auth.v1 import UserRegistered

from nocturna_auth.application.email_verification import mark_email_verified
from nocturna_auth.application.openid_providers import OidcLoginFlows, OpenIdProviders
from nocturna_auth.application.session_tokens import IssuedTokens, SessionTokenIssuer
from nocturna_auth.application.unit_of_work import AuthUnitOfWork
from nocturna_auth.domain.external_identities import (
    ExternalIdentity,
    ExternalIdentityLink,
    IdentityRejected,
    InvalidLoginState,
    LocalAccountNotVerified,
    UnknownProvider,
)
from nocturna_auth.domain.users import (
    AccountDisabled,
    EmailAlreadyRegistered,
    InvalidEmail,
    User,
    normalise_email,
)


@dataclass(frozen=True)
class CompleteOidcLogin:
    provider: str
    code: str
    state: str
    browser_state: str | None
    """The state the browser kept from the authorization request (cookie)."""
    user_agent: str | None = None
    ip: str | None = None


class CompleteOidcLoginHandler:
    """A known (provider, subject) signs in its linked user, whatever the email says now. Otherwise the
    provider must vouch for the email (`email_verified`): an existing account with a verified address is
    linked, a new address becomes a new account without password; an existing unverified account is not
    linked (it may have been registered by someone else). The first pair of a new session is answered."""

    def __init__(
        self,
        uow: Callable[[], AuthUnitOfWork],
        providers: OpenIdProviders,
        flows: OidcLoginFlows,
        tokens: SessionTokenIssuer,
        clock: Callable[[], datetime],
        new_id: Callable[[], UUID],
    ) -> None:
        self._uow = uow
        self._providers = providers
        self._flows = flows
        self._tokens = tokens
        self._clock = clock
        self._new_id = new_id

    async def __call__(self, command: CompleteOidcLogin) -> IssuedTokens:
        if not self._providers.knows(command.provider):
            raise UnknownProvider(f"no sign-in provider is called {command.provider!r}")
        if not command.browser_state or not hmac.compare_digest(command.browser_state, command.state):
            raise InvalidLoginState("this sign-in was not started in this browser")
        flow = await self._flows.take(command.state)
        if flow is None or flow.provider != command.provider:
            raise InvalidLoginState("the sign-in is unknown, expired or finished already; start again")
        identity = await self._providers.identify(
            command.provider, code=command.code, code_verifier=flow.code_verifier, nonce=flow.nonce
        )
        now = self._clock()
        async with self._uow() as uow:
            user = await self._account(uow, identity, now)
            if user.is_disabled:
                raise AccountDisabled("this account is disabled")
            issued = await self._tokens.start_session(
                uow, user, scopes=frozenset(), user_agent=command.user_agent, ip=command.ip
            )
            await uow.commit()
        return issued

    async def _account(self, uow: AuthUnitOfWork, identity: ExternalIdentity, now: datetime) -> User:
        link = await uow.external_identities.get(identity.provider, identity.subject)
        if link is not None:
            user = await uow.users.get(link.user_id)
            if user is not None:
                link.signed_in(now)
                await uow.external_identities.save(link)
                return user
        try:
            email = normalise_email(identity.verified_email())
        except InvalidEmail as error:
            raise IdentityRejected("the provider sent no usable email address") from error
        user = await uow.users.by_email(email)
        if user is None:
            try:
                user = await self._register(uow, identity, email, now)
            except EmailAlreadyRegistered as error:
                raise InvalidLoginState(
                    "a concurrent sign-in created this account meanwhile; start again"
                ) from error
        elif not user.email_verified:
            raise LocalAccountNotVerified(
                "an account with this email exists but its address is not verified: verify it with the "
                "link we mailed (or reset its password), then sign in with the provider again"
            )
        linked = await uow.external_identities.add(
            ExternalIdentityLink(identity.provider, identity.subject, user.id, now, now)
        )
        if not linked:  # a concurrent first sign-in of the same subject linked it meanwhile
            link = await uow.external_identities.get(identity.provider, identity.subject)
            if link is None or link.user_id != user.id:
                raise InvalidLoginState("a concurrent sign-in linked this identity meanwhile; start again")
        return user

    async def _register(
        self, uow: AuthUnitOfWork, identity: ExternalIdentity, email: str, now: datetime
    ) -> User:
        user = User.register_without_password(
            user_id=self._new_id(), email=email, display_name=identity.name, now=now
        )
        await uow.users.add(user)
        uow.publish(
            UserRegistered(
                user_id=user.id,
                email=user.email,
                display_name=user.display_name,
                email_verified=True,
                registered_at=now,
            )
        )
        mark_email_verified(uow, user, now)
        await uow.users.save(user)
        return user
