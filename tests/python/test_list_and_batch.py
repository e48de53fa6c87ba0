"""ListSecrets (filters, paging, sorting, planned deletion) and
BatchGetSecretValue. The session server is shared, so every test narrows its
listing with a name-prefix filter of its own."""

from __future__ import annotations

import time
import uuid

import pytest

from support import expect_error, list_all, payload_keys

MSG_BATCH_BOTH = "Either 'SecretIdList' or 'Filters' must be provided, but not both."
MSG_BATCH_MAX_WITHOUT_FILTERS = "'Filters' not specified. 'Filters' must also be specified when 'MaxResults' is provided."


def names(entries) -> set[str]:
    return {e["Name"] for e in entries}


def fresh_prefix(tag: str) -> str:
    return f"{tag}{uuid.uuid4().hex[:10]}"


class Corpus:
    """Four secrets under one prefix, as in the AWS filter recordings."""

    def __init__(self, client) -> None:
        self.client = client
        self.prefix = fresh_prefix("lst")
        p = self.prefix
        self.a = f"{p}/app/db"
        self.b = f"{p}/app/api"
        self.c = f"{p}/other"
        self.d = f"{p}-ThisTestSecret"
        client.create_secret(
            Name=self.a, SecretString="A", Description="a secret", Tags=[{"Key": "Env", "Value": "prod"}]
        )
        client.create_secret(
            Name=self.b, SecretString="B", Description="an secret", Tags=[{"Key": "Env", "Value": "dev"}]
        )
        client.create_secret(
            Name=self.c, SecretString="C", Description="asecret", Tags=[{"Key": "Team", "Value": "core"}]
        )
        client.create_secret(Name=self.d, SecretString="D", Description="thesecret")
        self.all = {self.a, self.b, self.c, self.d}

    def find(self, *filters: dict, **kw) -> set[str]:
        """Names listed with our prefix filter AND the given filters."""
        fs = [{"Key": "name", "Values": [self.prefix]}, *filters]
        entries, _ = list_all(self.client, Filters=fs, **kw)
        return names(entries)


@pytest.fixture(scope="module")
def corpus(client) -> Corpus:
    return Corpus(client)


# -- ListSecrets filters ----------------------------------------------------------


def test_name_filter_is_a_case_sensitive_prefix(corpus: Corpus):
    p = corpus.prefix
    assert corpus.find() == corpus.all
    assert corpus.find({"Key": "name", "Values": [f"{p}/app"]}) == {corpus.a, corpus.b}
    assert corpus.find({"Key": "name", "Values": [f"{p}/other", f"{p}-This"]}) == {corpus.c, corpus.d}
    assert corpus.find({"Key": "name", "Values": ["app"]}) == set()
    entries, _ = list_all(corpus.client, Filters=[{"Key": "name", "Values": [p.upper()]}])
    assert names(entries) == set()


def test_name_filter_negation(corpus: Corpus):
    p = corpus.prefix
    assert corpus.find({"Key": "name", "Values": [f"!{p}/app"]}) == {corpus.c, corpus.d}
    assert corpus.find({"Key": "name", "Values": [f"!{p}"]}) == set()


def test_description_filter_matches_word_prefixes(corpus: Corpus):
    find = lambda v: corpus.find({"Key": "description", "Values": [v]})  # noqa: E731
    assert find("a") == {corpus.a, corpus.b, corpus.c}
    assert find("a secret") == {corpus.a, corpus.b}
    assert find("SECRET") == {corpus.a, corpus.b}
    assert find("thesec") == {corpus.d}
    assert find("!a") == {corpus.d}
    assert find("!c") == corpus.all


def test_tag_filters(corpus: Corpus):
    assert corpus.find({"Key": "tag-key", "Values": ["Env"]}) == {corpus.a, corpus.b}
    assert corpus.find({"Key": "tag-key", "Values": ["Tea"]}) == {corpus.c}
    assert corpus.find({"Key": "tag-key", "Values": ["!Env"]}) == {corpus.c, corpus.d}
    assert corpus.find({"Key": "tag-value", "Values": ["pro"]}) == {corpus.a}
    assert corpus.find({"Key": "tag-value", "Values": ["dev", "core"]}) == {corpus.b, corpus.c}
    assert corpus.find({"Key": "tag-value", "Values": ["nothing-has-this"]}) == set()


def test_all_filter(corpus: Corpus):
    find = lambda v: corpus.find({"Key": "all", "Values": [v]})  # noqa: E731
    assert find("test") == {corpus.d}  # camel case split: This Test Secret
    assert find("ret") == set()
    assert find("db") == {corpus.a}  # name words split at '/'
    assert find("app") == {corpus.a, corpus.b}
    assert find("prod") == {corpus.a}  # tag value
    assert find("team") == {corpus.c}  # tag key
    assert find("thesecret") == {corpus.d}  # description


def test_all_filter_splits_words_as_aws_does(client):
    """Names, descriptions and tags split into words at / _ + = . @ - and
    case changes; a filter word matches a field's text from a word start."""
    p = fresh_prefix("wrd")
    made = {
        "beta": f"{p}/AppBeta/x",
        "under": f"{p}/db_password",
        "plus": f"{p}/alpha+omega",
        "eq": f"{p}/key=value",
        "dot": f"{p}/v1.config",
        "at": f"{p}/me@example",
        "dash": f"{p}/blue-green",
        "caps": f"{p}/COMPANYthings",
    }
    for n in made.values():
        client.create_secret(Name=n, SecretString="x")
    tagged = f"{p}/tagged"
    client.create_secret(
        Name=tagged,
        SecretString="x",
        Description="Rotated by ops-team@corp",
        Tags=[{"Key": "CostCenter", "Value": "team/payments-eu"}],
    )

    def find(value: str) -> set[str]:
        entries, _ = list_all(client, Filters=[{"Key": "name", "Values": [p]}, {"Key": "all", "Values": [value]}])
        return names(entries)

    for word in ("AppBeta", "appbeta", "App", "beta", f"{p}/app", "x"):
        assert find(word) == {made["beta"]}, word
    for word in ("ppBeta", "eta", "AppBetax"):
        assert find(word) == set(), word
    assert find("password") == {made["under"]}
    assert find("omega") == {made["plus"]}
    assert find("value") == {made["eq"]}
    assert find("config") == {made["dot"]}
    assert find("example") == {made["at"]}
    assert find("green") == {made["dash"]}
    assert find("ythings") == {made["caps"]}  # COMPANYthings: COMPAN, Ythings
    assert find("things") == set()
    assert find("+") == set()
    for word in ("center", "payments", "eu", "team", "corp", "ops"):
        assert find(word) == {tagged}, word
    assert find("rotated ops") == {tagged}
    entries, _ = list_all(client, Filters=[{"Key": "name", "Values": [p]}, {"Key": "description", "Values": ["team"]}])
    assert names(entries) == {tagged}


def test_filters_combine_with_and(corpus: Corpus):
    assert corpus.find({"Key": "tag-key", "Values": ["Env"]}, {"Key": "description", "Values": ["an"]}) == {corpus.b}
    assert corpus.find({"Key": "tag-key", "Values": ["Env"]}, {"Key": "tag-key", "Values": ["Team"]}) == set()


def test_list_entry_shape(corpus: Corpus):
    entries, _ = list_all(corpus.client, Filters=[{"Key": "name", "Values": [corpus.a]}])
    (entry,) = [e for e in entries if e["Name"] == corpus.a]
    assert entry["ARN"].startswith("arn:aws:secretsmanager:us-east-1:")
    assert entry["Description"] == "a secret"
    assert entry["Tags"] == [{"Key": "Env", "Value": "prod"}]
    assert "CreatedDate" in entry and "LastChangedDate" in entry
    assert "VersionIdsToStages" not in entry
    stages = entry["SecretVersionsToStages"]
    assert list(stages.values()) == [["AWSCURRENT"]]
    assert "DeletedDate" not in entry
    d = corpus.client.describe_secret(SecretId=corpus.a)
    assert entry["ARN"] == d["ARN"]
    assert stages == d["VersionIdsToStages"]


# -- planned deletion, paging, sorting -------------------------------------------


def test_include_planned_deletion(client):
    p = fresh_prefix("del")
    live, doomed, gone = f"{p}/live", f"{p}/doomed", f"{p}/gone"
    for n in (live, doomed, gone):
        client.create_secret(Name=n, SecretString="x")
    client.delete_secret(SecretId=doomed, RecoveryWindowInDays=7)
    client.delete_secret(SecretId=gone, ForceDeleteWithoutRecovery=True)
    flt = [{"Key": "name", "Values": [p]}]

    entries, _ = list_all(client, Filters=flt)
    assert names(entries) == {live}
    entries, _ = list_all(client, Filters=flt, IncludePlannedDeletion=False)
    assert names(entries) == {live}
    entries, _ = list_all(client, Filters=flt, IncludePlannedDeletion=True)
    assert names(entries) == {live, doomed}
    by_name = {e["Name"]: e for e in entries}
    assert "DeletedDate" in by_name[doomed]
    assert "DeletedDate" not in by_name[live]

    client.restore_secret(SecretId=doomed)
    entries, _ = list_all(client, Filters=flt)
    assert names(entries) == {live, doomed}


@pytest.fixture(scope="module")
def seven(client) -> tuple[str, list[str]]:
    """Seven secrets under one prefix, created in this order."""
    p = fresh_prefix("pg")
    created = []
    for i in range(7):
        n = f"{p}/s{i}"
        client.create_secret(Name=n, SecretString=str(i))
        created.append(n)
        time.sleep(0.005)  # distinct CreatedDate values
    return p, created


def test_paging_with_filter(client, seven):
    p, created = seven
    entries, pages = list_all(client, Filters=[{"Key": "name", "Values": [p]}], MaxResults=3)
    got = [e["Name"] for e in entries]
    assert len(got) == len(set(got)), f"duplicates across pages: {got}"
    assert set(got) == set(created)
    assert all(len(page) <= 3 for page in pages)
    assert len(pages) >= 3


def test_first_page_has_next_token(client, seven):
    p, _ = seven
    r = client.list_secrets(Filters=[{"Key": "name", "Values": [p]}], MaxResults=3)
    assert len(r["SecretList"]) <= 3
    assert r.get("NextToken")


def test_paging_whole_listing(client, seven):
    _, created = seven
    entries, pages = list_all(client, MaxResults=10)
    arns = [e["ARN"] for e in entries]
    assert len(arns) == len(set(arns)), "a secret was listed twice"
    assert set(created) <= names(entries)
    assert all(len(page) <= 10 for page in pages)


def test_max_results_out_of_range(client):
    with expect_error(("InvalidParameterException", "ValidationException")):
        client.list_secrets(MaxResults=101)


def test_bad_next_token(client):
    with expect_error(("InvalidNextTokenException", "InvalidParameterException", "ValidationException")):
        client.list_secrets(NextToken="this-is-not-a-token-we-issued")


def test_sort_order(client, seven):
    p, created = seven
    flt = [{"Key": "name", "Values": [p]}]
    asc, _ = list_all(client, Filters=flt, SortOrder="asc")
    desc, _ = list_all(client, Filters=flt, SortOrder="desc")
    assert [e["Name"] for e in asc] == created
    assert [e["Name"] for e in desc] == created[::-1]
    # The order holds across pages too.
    desc_paged, pages = list_all(client, Filters=flt, SortOrder="desc", MaxResults=2)
    assert [e["Name"] for e in desc_paged] == created[::-1]
    assert len(pages) >= 4


def test_boto3_paginator(client, seven):
    p, created = seven
    paginator = client.get_paginator("list_secrets")
    pages = list(
        paginator.paginate(Filters=[{"Key": "name", "Values": [p]}], PaginationConfig={"PageSize": 2})
    )
    got = [e["Name"] for page in pages for e in page["SecretList"]]
    assert len(got) == len(set(got)) == 7
    assert set(got) == set(created)
    assert len(pages) >= 4
    full = paginator.paginate(Filters=[{"Key": "name", "Values": [p]}]).build_full_result()
    assert names(full["SecretList"]) == set(created)


# -- BatchGetSecretValue --------------------------------------------------------------


def test_batch_get_by_ids_with_a_missing_one(client):
    p = fresh_prefix("bat")
    n1, n2 = f"{p}/one", f"{p}/two"
    v1 = client.create_secret(Name=n1, SecretString="value-one")
    v2 = client.create_secret(Name=n2, SecretBinary=b"\x00\xffbin")
    missing = f"{p}/missing"
    r = client.batch_get_secret_value(SecretIdList=[n1, v2["ARN"], missing])
    values = {e["Name"]: e for e in r["SecretValues"]}
    assert set(values) == {n1, n2}
    assert values[n1]["SecretString"] == "value-one"
    assert values[n1]["ARN"] == v1["ARN"]
    assert values[n1]["VersionId"] == v1["VersionId"]
    assert "AWSCURRENT" in values[n1]["VersionStages"]
    assert "CreatedDate" in values[n1]
    assert values[n2]["SecretBinary"] == b"\x00\xffbin"
    assert "SecretString" not in values[n2]

    errors = r["Errors"]
    assert len(errors) == 1
    assert errors[0]["SecretId"] == missing
    assert errors[0]["ErrorCode"] == "ResourceNotFoundException"
    assert errors[0].get("Message")
    assert "NextToken" not in r


def test_batch_get_puts_scheduled_secret_in_errors(client):
    p = fresh_prefix("bat")
    ok, doomed = f"{p}/ok", f"{p}/doomed"
    client.create_secret(Name=ok, SecretString="ok")
    client.create_secret(Name=doomed, SecretString="doomed")
    client.delete_secret(SecretId=doomed, RecoveryWindowInDays=7)
    r = client.batch_get_secret_value(SecretIdList=[ok, doomed])
    assert [e["Name"] for e in r["SecretValues"]] == [ok]
    assert [e["SecretId"] for e in r["Errors"]] == [doomed]


def test_batch_get_by_filters_with_paging(client):
    p = fresh_prefix("bf")
    created = {}
    for i in range(5):
        n = f"{p}/s{i}"
        client.create_secret(Name=n, SecretString=f"value-{i}")
        created[n] = f"value-{i}"
    client.create_secret(Name=f"{p}/novalue")  # no value: not a SecretValue
    flt = [{"Key": "name", "Values": [p]}, {"Key": "name", "Values": [f"!{p}/novalue"]}]

    r = client.batch_get_secret_value(Filters=flt)
    assert {e["Name"]: e["SecretString"] for e in r["SecretValues"]} == created

    got: dict[str, str] = {}
    token = None
    pages = 0
    while True:
        args = {"Filters": flt, "MaxResults": 2}
        if token:
            args["NextToken"] = token
        r = client.batch_get_secret_value(**args)
        pages += 1
        assert len(r["SecretValues"]) <= 2
        for e in r["SecretValues"]:
            assert e["Name"] not in got, "returned twice"
            got[e["Name"]] = e["SecretString"]
        token = r.get("NextToken")
        if not token:
            break
        assert pages < 20
    assert got == created
    assert pages >= 3


def test_batch_get_ids_and_filters_together(client):
    with expect_error("InvalidParameterException", MSG_BATCH_BOTH):
        client.batch_get_secret_value(SecretIdList=["a"], Filters=[{"Key": "name", "Values": ["a"]}])


def test_batch_get_max_results_without_filters(client):
    with expect_error(("InvalidParameterException", "ValidationException", "InvalidRequestException"), MSG_BATCH_MAX_WITHOUT_FILTERS):
        client.batch_get_secret_value(SecretIdList=["a"], MaxResults=5)


def test_batch_get_needs_ids_or_filters(client):
    with expect_error(("InvalidParameterException", "ValidationException", "InvalidRequestException")):
        client.batch_get_secret_value()


def test_batch_get_response_shape(client):
    p = fresh_prefix("bs")
    client.create_secret(Name=f"{p}/x", SecretString="x")
    r = client.batch_get_secret_value(SecretIdList=[f"{p}/x"])
    assert payload_keys(r) <= {"SecretValues", "Errors", "NextToken"}
    assert "SecretValues" in r
    assert payload_keys(r["SecretValues"][0]) == {"ARN", "Name", "VersionId", "SecretString", "VersionStages", "CreatedDate"}
