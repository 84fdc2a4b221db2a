"""Failed sign-ins counted in Redis, per account and per client address, with a growing lockout."""

from __future__ import annotations

import hashlib
import logging
import math
from ipaddress import IPv6Address, ip_address, ip_network

import redis.asyncio as aioredis
from prometheus_client import CollectorRegistry, Counter
from redis.exceptions import RedisError

from nocturna_auth.domain.lockout import LockoutPolicy
from nocturna_auth.settings import LoginThrottleSettings

logger = logging.getLogger("nocturna.auth.login_limiter")


def _address_bucket(ip: str) -> str:
    """IPv6 clients are counted per /64: one subscriber usually holds the whole block."""
    try:
        address = ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ip_network(f"{address}/64", strict=False))
    return str(address)


class RedisLoginAttemptLimiter:
    """Keys `<prefix>auth:login:{account|ip}:<id>:{failures|locked}`; accounts are keyed by a hash of the email
    (no addresses in Redis). Fails open: when Redis is down, nobody is locked out and the outage is counted."""

    def __init__(
        self,
        redis: aioredis.Redis,
        key_prefix: str,
        settings: LoginThrottleSettings,
        registry: CollectorRegistry,
    ) -> None:
        self._redis = redis
        self._prefix = f"{key_prefix}auth:login:"
        self._window = settings.failure_window_seconds
        self._account = LockoutPolicy(
            settings.account_threshold, settings.lockout_base_seconds, settings.lockout_max_seconds
        )
        self._ip = LockoutPolicy(
            settings.ip_threshold, settings.lockout_base_seconds, settings.lockout_max_seconds
        )
        self._unavailable = Counter(
            "auth_login_limiter_unavailable",
            "Sign-in checks that skipped the failed-login limiter because Redis failed (fail open)",
            registry=registry,
        )
        self._lockouts = Counter(
            "auth_login_lockouts", "Lockouts started, by scope", ["scope"], registry=registry
        )

    def _key(self, scope: str, value: str) -> str:
        if scope == "account":
            value = hashlib.sha256(value.encode()).hexdigest()[:32]
        else:
            value = _address_bucket(value)
        return f"{self._prefix}{scope}:{value}"

    def _scopes(self, account: str, ip: str | None) -> list[tuple[str, str, LockoutPolicy]]:
        scopes = [("account", self._key("account", account), self._account)]
        if ip:
            scopes.append(("ip", self._key("ip", ip), self._ip))
        return scopes

    async def retry_after(self, account: str, ip: str | None) -> int:
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for _, key, _ in self._scopes(account, ip):
                    pipe.pttl(f"{key}:locked")
                remaining_ms = await pipe.execute()
        except (RedisError, OSError) as error:
            self._fail_open(error)
            return 0
        return max((math.ceil(ms / 1000) for ms in remaining_ms if ms > 0), default=0)

    async def record_failure(self, account: str, ip: str | None) -> int:
        scopes = self._scopes(account, ip)
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                for _, key, _ in scopes:
                    pipe.incr(f"{key}:failures")
                    pipe.expire(f"{key}:failures", self._window)
                counts = (await pipe.execute())[::2]
            lockout = 0.0
            for (scope, key, policy), failures in zip(scopes, counts, strict=True):
                seconds = policy.lockout_after(int(failures))
                if seconds > 0:
                    await self._redis.set(f"{key}:locked", "1", px=int(seconds * 1000))
                    self._lockouts.labels(scope).inc()
                    lockout = max(lockout, seconds)
        except (RedisError, OSError) as error:
            self._fail_open(error)
            return 0
        return math.ceil(lockout)

    async def record_success(self, account: str) -> None:
        key = self._key("account", account)
        try:
            await self._redis.delete(f"{key}:failures", f"{key}:locked")
        except (RedisError, OSError) as error:
            self._fail_open(error)

    def _fail_open(self, error: Exception) -> None:
        self._unavailable.inc()
        logger.warning(
            "failed-login limiter unavailable; allowing the attempt",
            extra={"error_type": type(error).__name__},
        )
