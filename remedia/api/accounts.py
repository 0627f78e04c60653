"""``/auth``: session login for the browser, who am I, and API tokens for programs."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest
from django.middleware.csrf import get_token
from ninja import Path, Router, Schema
from ninja.responses import Status
from pydantic import Field

from .auth import api_auth
from .models import ApiToken
from .problems import NotFound, Problem, Unauthenticated
from .tokens import create_token, revoke_token

router = Router(tags=["auth"], auth=api_auth)
NO_NUL = r"^[^\x00]*$"


class LoginIn(Schema):
    username: str = Field(min_length=1, max_length=150, pattern=NO_NUL)
    password: str = Field(min_length=1, max_length=4096, pattern=NO_NUL)


class MeOut(Schema):
    id: int
    username: str
    is_staff: bool


class TokenIn(Schema):
    name: str = Field(
        min_length=1, max_length=100, pattern=NO_NUL, description="What the token is for."
    )


class TokenOut(Schema):
    """A token as listed: never its secret, only the first characters to recognise it."""

    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None


class TokenCreated(TokenOut):
    """The new token's secret, shown this once: send it as ``Authorization: Bearer``."""

    secret: str


def me_of(user) -> MeOut:  # type: ignore[no-untyped-def]
    return MeOut(id=user.pk, username=user.get_username(), is_staff=user.is_staff)


def _token_out(token: ApiToken) -> TokenOut:
    return TokenOut(
        id=token.pk,
        name=token.name,
        prefix=token.prefix,
        created_at=token.created_at,
        last_used_at=token.last_used_at,
    )


@router.post(
    "/login",
    response={200: MeOut, 401: Problem, 422: Problem},
    auth=None,
    summary="Log in: sets the session cookie and the csrftoken cookie",
)
def login_user(request: HttpRequest, body: LoginIn) -> MeOut:
    user = authenticate(request, username=body.username, password=body.password)
    if user is None or not user.is_active:
        raise Unauthenticated("the username or password is wrong")
    login(request, user)
    get_token(request)  # rotate and send the CSRF cookie with this response
    return me_of(user)


@router.post("/logout", response={204: None, 401: Problem, 403: Problem}, summary="Log out")
def logout_user(request: HttpRequest) -> Status:
    logout(request)
    return Status(204, None)


@router.get("/me", response={200: MeOut, 401: Problem}, summary="Who is authenticated")
def get_me(request: HttpRequest) -> MeOut:
    get_token(request)
    return me_of(request.auth)


@router.post(
    "/tokens",
    response={201: TokenCreated, 401: Problem, 403: Problem, 422: Problem},
    summary="Create an API token; its secret is in this response only",
)
def create_api_token(request: HttpRequest, body: TokenIn) -> Status:
    token, secret = create_token(request.auth, body.name)
    return Status(201, TokenCreated(**_token_out(token).model_dump(), secret=secret))


@router.get("/tokens", response={200: list[TokenOut], 401: Problem}, summary="List your tokens")
def list_api_tokens(request: HttpRequest) -> list[TokenOut]:
    tokens = ApiToken.objects.filter(user=request.auth).order_by("-created_at", "-id")
    return [_token_out(t) for t in tokens]


@router.delete(
    "/tokens/{token_id}",
    response={204: None, 401: Problem, 403: Problem, 404: Problem},
    summary="Revoke a token",
)
def revoke_api_token(request: HttpRequest, token_id: int = Path(..., ge=1, le=2**63 - 1)) -> Status:
    if not revoke_token(request.auth, token_id):
        raise NotFound(f"you have no token with id {token_id}; list them with GET /auth/tokens")
    return Status(204, None)
