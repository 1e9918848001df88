from __future__ import annotations

from infra.passwords import Argon2Hasher


async def test_hash_is_argon2id_with_owasp_parameters() -> None:
    password_hash = await Argon2Hasher().hash("correct horse battery staple")

    assert password_hash.startswith("$argon2id$")
    assert "m=19456,t=2,p=1" in password_hash


async def test_the_right_password_verifies_and_a_wrong_one_does_not() -> None:
    hasher = Argon2Hasher()
    password_hash = await hasher.hash("s3cret-enough")

    assert await hasher.verify(password_hash, "s3cret-enough")
    assert not await hasher.verify(password_hash, "s3cret-enougH")


async def test_same_password_hashes_differently_each_time() -> None:
    hasher = Argon2Hasher()

    assert await hasher.hash("repeat me") != await hasher.hash("repeat me")


async def test_a_malformed_hash_never_verifies() -> None:
    assert not await Argon2Hasher().verify("not a hash", "anything")


async def test_hashes_made_with_weaker_parameters_need_a_rehash() -> None:
    weak = await Argon2Hasher(memory_cost=1024, time_cost=1).hash("old password")

    assert Argon2Hasher().needs_rehash(weak)
