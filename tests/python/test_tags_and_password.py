"""TagResource / UntagResource and GetRandomPassword."""

from __future__ import annotations

import string

import pytest

from support import CONSTRAINT_CODES, MSG_SECRET_NOT_FOUND, expect_error, payload_keys

PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
ALLOWED = set(string.ascii_letters + string.digits + PUNCTUATION)
# Rejections of a tag that breaks the TagResource rules; AWS records no code.
TAG_REJECT_CODES = ("InvalidParameterException", "ValidationException", "LimitExceededException", "InvalidRequestException")


def tags_of(client, name: str):
    return client.describe_secret(SecretId=name).get("Tags")


def kv(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in pairs]


# -- tags ------------------------------------------------------------------------


def test_tag_order_and_overwrite(client, unique_name):
    name = unique_name()
    client.create_secret(Name=name, SecretString="x", Tags=kv(("a", "1"), ("b", "2")))
    r = client.tag_resource(SecretId=name, Tags=kv(("b", "3"), ("c", "4"), ("d", "5")))
    assert payload_keys(r) == set()
    assert tags_of(client, name) == kv(("a", "1"), ("b", "3"), ("c", "4"), ("d", "5"))


def test_untag(client, unique_name):
    name = unique_name()
    client.create_secret(Name=name, SecretString="x", Tags=kv(("a", "1"), ("b", "2"), ("c", "3")))
    r = client.untag_resource(SecretId=name, TagKeys=["b"])
    assert payload_keys(r) == set()
    assert tags_of(client, name) == kv(("a", "1"), ("c", "3"))
    # Keys that are not there: a no-op.
    client.untag_resource(SecretId=name, TagKeys=["zz", "A"])
    assert tags_of(client, name) == kv(("a", "1"), ("c", "3"))


def test_tag_keys_are_case_sensitive(client, unique_name):
    name = unique_name()
    client.create_secret(Name=name, SecretString="x")
    client.tag_resource(SecretId=name, Tags=kv(("Env", "1"), ("env", "2")))
    assert tags_of(client, name) == kv(("Env", "1"), ("env", "2"))


def test_tagging_unknown_secret(client, unique_name):
    with expect_error("ResourceNotFoundException", MSG_SECRET_NOT_FOUND):
        client.tag_resource(SecretId=unique_name(), Tags=kv(("a", "1")))
    with expect_error("ResourceNotFoundException", MSG_SECRET_NOT_FOUND):
        client.untag_resource(SecretId=unique_name(), TagKeys=["a"])


def test_fifty_tag_limit(client, unique_name):
    name = unique_name()
    fifty = kv(*((f"k{i:02}", f"v{i}") for i in range(50)))
    client.create_secret(Name=name, SecretString="x", Tags=fifty)
    assert tags_of(client, name) == fifty

    with expect_error(TAG_REJECT_CODES):
        client.tag_resource(SecretId=name, Tags=kv(("one-too-many", "x")))
    assert tags_of(client, name) == fifty

    # Overwriting an existing key at the limit is fine.
    client.tag_resource(SecretId=name, Tags=kv(("k07", "new")))
    assert len(tags_of(client, name)) == 50
    assert {"Key": "k07", "Value": "new"} in tags_of(client, name)

    # Making room allows a new one.
    client.untag_resource(SecretId=name, TagKeys=["k00"])
    client.tag_resource(SecretId=name, Tags=kv(("fresh", "y")))
    assert tags_of(client, name)[-1] == {"Key": "fresh", "Value": "y"}
    assert len(tags_of(client, name)) == 50


def test_create_with_51_tags_is_rejected(client, unique_name):
    name = unique_name()
    with expect_error(TAG_REJECT_CODES):
        client.create_secret(Name=name, SecretString="x", Tags=kv(*((f"k{i}", "v") for i in range(51))))
    with expect_error("ResourceNotFoundException"):
        client.describe_secret(SecretId=name)


MSG_TOO_MANY_TAGS = "A secret can have at most 50 tags."


def test_more_than_50_tags_are_refused_before_anything_is_done(client, unique_name):
    fifty_one = kv(*((f"k{i}", "v") for i in range(51)))
    # Checked on the wire: even for a secret that does not exist, the count
    # is what is reported (the secret is never looked up).
    with expect_error("InvalidParameterException", MSG_TOO_MANY_TAGS):
        client.tag_resource(SecretId=unique_name(), Tags=fifty_one)
    name = unique_name()
    with expect_error("InvalidParameterException", MSG_TOO_MANY_TAGS):
        client.create_secret(Name=name, SecretString="x", Tags=fifty_one)
    with expect_error("ResourceNotFoundException"):
        client.describe_secret(SecretId=name)
    client.create_secret(Name=name, SecretString="x", Tags=kv(("keep", "1")))
    with expect_error("InvalidParameterException", MSG_TOO_MANY_TAGS):
        client.tag_resource(SecretId=name, Tags=fifty_one)
    assert tags_of(client, name) == kv(("keep", "1"))
    # A long list whose tags are each invalid is still refused for its length.
    with expect_error("InvalidParameterException", MSG_TOO_MANY_TAGS):
        client.tag_resource(SecretId=name, Tags=kv(*(("aws:x", "v") for _ in range(5000))))


def test_aws_prefix_is_reserved(client, unique_name):
    tag = ("aws:owner", "me")
    name = unique_name()
    client.create_secret(Name=name, SecretString="x", Tags=kv(("keep", "1")))
    with expect_error(TAG_REJECT_CODES):
        client.tag_resource(SecretId=name, Tags=kv(tag))
    assert tags_of(client, name) == kv(("keep", "1"))
    with expect_error(TAG_REJECT_CODES):
        client.create_secret(Name=unique_name(), SecretString="x", Tags=kv(tag))


def test_tag_key_and_value_lengths(client, unique_name):
    name = unique_name()
    client.create_secret(Name=name, SecretString="x")
    client.tag_resource(SecretId=name, Tags=kv(("k" * 128, "v" * 256)))
    with expect_error(TAG_REJECT_CODES):
        client.tag_resource(SecretId=name, Tags=kv(("k" * 129, "v")))
    with expect_error(TAG_REJECT_CODES):
        client.tag_resource(SecretId=name, Tags=kv(("short", "v" * 257)))
    assert tags_of(client, name) == kv(("k" * 128, "v" * 256))


# -- GetRandomPassword ---------------------------------------------------------------


def password(client, **kw) -> str:
    r = client.get_random_password(**kw)
    assert payload_keys(r) == {"RandomPassword"}
    return r["RandomPassword"]


def test_default_password(client):
    for _ in range(10):
        p = password(client)
        assert len(p) == 32
        assert set(p) <= ALLOWED, set(p) - ALLOWED
        assert any(c in string.ascii_lowercase for c in p)
        assert any(c in string.ascii_uppercase for c in p)
        assert any(c in string.digits for c in p)
        assert any(c in PUNCTUATION for c in p)
        assert " " not in p


def test_passwords_differ(client):
    assert len({password(client) for _ in range(5)}) == 5


@pytest.mark.parametrize("length", [1, 4, 17, 120, 4096])
def test_password_length(client, length):
    kw = {"PasswordLength": length}
    if length < 4:
        kw["RequireEachIncludedType"] = False
    assert len(password(client, **kw)) == length


def test_exclude_characters_keeps_exact_length(client):
    excluded = "xyzDje@?!."
    for _ in range(5):
        p = password(client, PasswordLength=120, ExcludeCharacters=excluded)
        assert len(p) == 120
        assert not set(p) & set(excluded)


def test_exclude_a_whole_class_by_characters(client):
    p = password(client, PasswordLength=50, ExcludeCharacters=string.digits)
    assert len(p) == 50
    assert not any(c.isdigit() for c in p)


@pytest.mark.parametrize(
    "option, forbidden",
    [
        ("ExcludeNumbers", set(string.digits)),
        ("ExcludePunctuation", set(PUNCTUATION)),
        ("ExcludeUppercase", set(string.ascii_uppercase)),
        ("ExcludeLowercase", set(string.ascii_lowercase)),
    ],
)
def test_exclude_options(client, option, forbidden):
    for _ in range(5):
        p = password(client, PasswordLength=64, **{option: True})
        assert len(p) == 64
        assert not set(p) & forbidden
        assert set(p) <= ALLOWED
        # The remaining types are all still there (RequireEachIncludedType).
        for cls in (set(string.digits), set(PUNCTUATION), set(string.ascii_uppercase), set(string.ascii_lowercase)):
            if cls != forbidden:
                assert set(p) & cls


def test_include_space(client):
    for _ in range(5):
        p = password(
            client,
            PasswordLength=10,
            ExcludeNumbers=True,
            ExcludePunctuation=True,
            ExcludeUppercase=True,
            IncludeSpace=True,
        )
        assert len(p) == 10
        assert set(p) <= set(string.ascii_lowercase + " ")
        assert " " in p
        assert any(c in string.ascii_lowercase for c in p)


def test_require_each_included_type_off(client):
    p = password(client, PasswordLength=3, RequireEachIncludedType=False)
    assert len(p) == 3
    assert set(p) <= ALLOWED
    p = password(client, PasswordLength=4, RequireEachIncludedType=True)
    assert len(p) == 4
    assert set(p) & set(string.ascii_lowercase)
    assert set(p) & set(string.ascii_uppercase)
    assert set(p) & set(string.digits)
    assert set(p) & set(PUNCTUATION)


def test_impossible_combinations(client):
    with expect_error("InvalidParameterException"):
        client.get_random_password(
            ExcludeNumbers=True, ExcludePunctuation=True, ExcludeUppercase=True, ExcludeLowercase=True
        )
    # Every character excluded one by one.
    with expect_error("InvalidParameterException"):
        client.get_random_password(
            ExcludeCharacters=string.ascii_letters + string.digits + PUNCTUATION, PasswordLength=8
        )
    # Four types required, two characters to put them in.
    with expect_error("InvalidParameterException"):
        client.get_random_password(PasswordLength=2, RequireEachIncludedType=True)


@pytest.mark.parametrize("length", [0, 4097, -1])
def test_password_length_out_of_range(loose_client, length):
    with expect_error(CONSTRAINT_CODES):
        loose_client.get_random_password(PasswordLength=length)


def test_exclude_characters_too_long(client):
    with expect_error(CONSTRAINT_CODES):
        client.get_random_password(ExcludeCharacters="a" * 4097)
