"""Custom key stores: kmsd has none and reaches no CloudHSM cluster or external
key store proxy, so SDK calls get the KMS error AWS gives when the store, the
cluster or the proxy does not exist (never UnknownOperationException), and the
secrets in the request never reach the record."""

import json

import botocore.exceptions
import pytest

from kmsd_harness import Kmsd, error_code, error_message

PASSWORD = "kmsuser-password-4242"
PROXY_SECRET = "proxy-secret-" + "s" * 40


@pytest.fixture(scope="module")
def kmsd():
    server = Kmsd()
    yield server
    server.close()


def code_of(call, **params):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call(**params)
    return error_code(e.value), error_message(e.value)


def test_describe_lists_no_stores_and_names_none(kmsd):
    kms = kmsd.client()
    assert kms.describe_custom_key_stores()["CustomKeyStores"] == []
    assert code_of(kms.describe_custom_key_stores, CustomKeyStoreId="cks-1234567890abcdef0") == (
        "CustomKeyStoreNotFoundException", "Custom key store cks-1234567890abcdef0 does not exist.")
    assert code_of(kms.describe_custom_key_stores, CustomKeyStoreName="mine")[0] == \
        "CustomKeyStoreNotFoundException"
    # The AWS CLI too.
    assert kmsd.cli("kms", "describe-custom-key-stores") == {"CustomKeyStores": []}
    assert kmsd.raw("DescribeCustomKeyStores", {}).json() == {"CustomKeyStores": [],
                                                               "Truncated": False}


@pytest.mark.parametrize("operation", ["connect_custom_key_store", "disconnect_custom_key_store",
                                       "delete_custom_key_store"])
def test_operations_on_a_store_find_none(kmsd, operation):
    kms = kmsd.client()
    code, _ = code_of(getattr(kms, operation), CustomKeyStoreId="cks-1234567890abcdef0")
    assert code == "CustomKeyStoreNotFoundException"
    code, _ = code_of(kms.update_custom_key_store, CustomKeyStoreId="cks-1234567890abcdef0",
                      KeyStorePassword=PASSWORD)
    assert code == "CustomKeyStoreNotFoundException"


def test_create_finds_no_cluster_or_proxy(kmsd):
    kms = kmsd.client()
    assert code_of(kms.create_custom_key_store, CustomKeyStoreName="hsm",
                   CloudHsmClusterId="cluster-1a23b4cdefg", TrustAnchorCertificate="-----BEGIN",
                   KeyStorePassword=PASSWORD)[0] == "CloudHsmClusterNotFoundException"
    assert code_of(kms.create_custom_key_store, CustomKeyStoreName="hsm")[1] == (
        "CloudHsmClusterId is required for custom key stores with a CustomKeyStoreType of "
        "AWS_CLOUDHSM.")
    assert code_of(kms.create_custom_key_store, CustomKeyStoreName="xks",
                   CustomKeyStoreType="EXTERNAL_KEY_STORE",
                   XksProxyUriEndpoint="https://xks.example.com", XksProxyUriPath="/kms/xks/v1",
                   XksProxyConnectivity="PUBLIC_ENDPOINT",
                   XksProxyAuthenticationCredential={"AccessKeyId": "A" * 20,
                                                     "RawSecretAccessKey": PROXY_SECRET})[0] == \
        "XksProxyUriUnreachableException"
    # boto3 checks lengths itself: a short password goes on the wire.
    out = kmsd.raw("CreateCustomKeyStore", {"CustomKeyStoreName": "hsm",
                                            "CloudHsmClusterId": "cluster-1a23b4cdefg",
                                            "TrustAnchorCertificate": "x",
                                            "KeyStorePassword": "short"})
    assert out.error_type == "ValidationException", out.body
    assert "keyStorePassword" in out.message and "short" not in out.message


def test_create_key_in_a_store_that_does_not_exist(kmsd):
    code, _ = code_of(kmsd.client().create_key, CustomKeyStoreId="cks-1234567890abcdef0")
    assert code == "CustomKeyStoreNotFoundException"


def test_records_never_hold_the_password_or_the_proxy_secret(kmsd):
    pages = kmsd.client(service="cloudtrail").get_paginator("lookup_events").paginate()
    records = [e["CloudTrailEvent"] for page in pages for e in page["Events"]]
    names = {json.loads(r)["eventName"] for r in records}
    assert {"CreateCustomKeyStore", "DescribeCustomKeyStores", "ConnectCustomKeyStore",
            "UpdateCustomKeyStore"} <= names
    text = "\n".join(records)
    assert PASSWORD not in text and PROXY_SECRET not in text
    assert PASSWORD not in open(kmsd.log_path).read()
