"""The awsJson1_1 transport and SigV4: bad input always gets a KMS-shaped
error with the right type and status, and the server keeps serving."""

import base64
import datetime
import json
import socket

import pytest

from kmsd_harness import ACCOUNT, read_until_closed


def assert_kms_error(resp, error_type, status=400):
    assert resp.status == status, resp.body
    assert resp.error_type == error_type, resp.body
    assert resp.headers["content-type"] == "application/x-amz-json-1.1"
    assert resp.headers["x-amzn-requestid"]
    assert resp.headers["date"].endswith("GMT")


def test_success_carries_request_id_and_date(kmsd):
    resp = kmsd.raw("ListKeys", {})
    assert resp.status == 200
    assert len(resp.headers["x-amzn-requestid"]) == 36
    assert resp.headers["date"].endswith("GMT")
    kms = kmsd.client()
    assert kms.list_keys()["ResponseMetadata"]["RequestId"]


@pytest.mark.parametrize("body", [b"", b"not json", b"{", b'{"KeyId": "x",}', b"null", b"1", b'"x"',
                                  b'{"a":1} {}', b"\xff\xfe"])
def test_bodies_that_are_not_a_json_object(kmsd, body):
    resp = kmsd.raw("DescribeKey", body)
    assert_kms_error(resp, "SerializationException")
    assert resp.message is None


def test_top_level_list(kmsd):
    resp = kmsd.raw("DescribeKey", b"[]")
    assert_kms_error(resp, "SerializationException")
    assert resp.message == "Start of list found where not expected"


@pytest.mark.parametrize("target,body,message", [
    ("DescribeKey", {"KeyId": 5}, "NUMBER_VALUE can not be converted to a String"),
    ("DescribeKey", {"KeyId": True}, "TRUE_VALUE can not be converted to a String"),
    ("DescribeKey", {"KeyId": {"a": 1}}, "Start of structure or map found where not expected."),
    ("DescribeKey", {"KeyId": ["a"]}, "Start of list found where not expected"),
    ("GenerateRandom", {"NumberOfBytes": "12"}, "STRING_VALUE can not be converted to an Integer"),
    ("GenerateRandom", {"NumberOfBytes": False}, "FALSE_VALUE can not be converted to an Integer"),
    ("Encrypt", {"KeyId": "k", "Plaintext": "eA==", "EncryptionContext": "x"}, "Expected null"),
    ("Encrypt", {"KeyId": "k", "Plaintext": "eA==", "EncryptionContext": {"a": 1}},
     "NUMBER_VALUE can not be converted to a String"),
    ("DescribeKey", {"KeyId": "k", "GrantTokens": "t"}, "Expected list or null"),
])
def test_wrong_member_types(kmsd, target, body, message):
    resp = kmsd.raw(target, body)
    assert_kms_error(resp, "SerializationException")
    assert resp.message == message


def test_missing_required_members(kmsd):
    resp = kmsd.raw("DescribeKey", {})
    assert_kms_error(resp, "ValidationException")
    assert resp.message == ("1 validation error detected: Value null at 'keyId' failed to satisfy constraint: "
                            "Member must not be null")
    resp = kmsd.raw("Encrypt", {"KeyId": None})
    assert resp.message.startswith("2 validation errors detected: Value null at 'keyId' failed to satisfy "
                                   "constraint: Member must not be null; Value null at 'plaintext'")


def test_out_of_range_and_enum_values(kmsd):
    resp = kmsd.raw("CreateKey", {"KeyUsage": "RANDOM"})
    assert_kms_error(resp, "ValidationException")
    assert resp.message == ("1 validation error detected: Value 'RANDOM' at 'keyUsage' failed to satisfy constraint: "
                            "Member must satisfy enum value set: [ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC, "
                            "KEY_AGREEMENT]")
    resp = kmsd.raw("ListKeys", {"Limit": 0})
    assert resp.message.endswith("Member must have value greater than or equal to 1")
    resp = kmsd.raw("DescribeKey", {"KeyId": ""})
    assert resp.message.endswith("Member must have length greater than or equal to 1")
    resp = kmsd.raw("DescribeKey", {"KeyId": "k" * 2049})
    assert resp.message.endswith("Member must have length less than or equal to 2048")


def test_bad_base64_and_oversized_blobs(kmsd):
    resp = kmsd.raw("Decrypt", {"CiphertextBlob": "***not base64***"})
    assert_kms_error(resp, "SerializationException")
    resp = kmsd.raw("Decrypt", {"CiphertextBlob": base64.b64encode(b"x" * 6145).decode()})
    assert_kms_error(resp, "ValidationException")
    assert "Member must have length less than or equal to 6144" in resp.message
    resp = kmsd.raw("Decrypt", {"CiphertextBlob": base64.b64encode(b"garbage").decode()})
    assert_kms_error(resp, "InvalidCiphertextException")
    assert resp.body == b'{"__type":"InvalidCiphertextException"}'


def test_huge_body_is_refused_and_server_keeps_serving(kmsd):
    resp = kmsd.raw("Encrypt", b'{"Plaintext":"' + b"A" * (2 << 20) + b'"}')
    assert_kms_error(resp, "SerializationException", status=413)
    assert kmsd.raw("ListKeys", {}).status == 200


def test_unknown_operation(kmsd):
    resp = kmsd.raw("DoSomethingElse", {})
    assert_kms_error(resp, "UnknownOperationException")
    assert resp.body == b'{"__type":"UnknownOperationException"}'
    resp = kmsd.raw(None, {})
    assert_kms_error(resp, "UnknownOperationException")


def test_missing_authentication(kmsd):
    resp = kmsd.raw("ListKeys", {}, sign=False)
    assert_kms_error(resp, "MissingAuthenticationTokenException")
    assert resp.message == "Missing Authentication Token"


def test_unknown_access_key(kmsd):
    kmsd.identities["stranger"] = ("AKIAKMSD0UNKNOWN0001", "whatever")
    resp = kmsd.raw("ListKeys", {}, who="stranger")
    assert_kms_error(resp, "UnrecognizedClientException")
    assert resp.message == "The security token included in the request is invalid."


def test_wrong_secret_is_a_signature_mismatch(kmsd):
    key, _ = kmsd.identities["alice"]
    kmsd.identities["alice-bad"] = (key, "not-the-secret")
    resp = kmsd.raw("ListKeys", {}, who="alice-bad")
    assert_kms_error(resp, "InvalidSignatureException")
    assert resp.message.startswith("The request signature we calculated does not match the signature you provided.")


def test_body_changed_after_signing_is_refused(kmsd):
    import botocore.awsrequest
    import botocore.credentials
    from kmsd_harness import FixedTimeSigV4
    key, secret = kmsd.identities["alice"]
    request = botocore.awsrequest.AWSRequest(method="POST", url=kmsd.endpoint + "/", data=b"{}", headers={
        "X-Amz-Target": "TrentService.ListKeys", "Content-Type": "application/x-amz-json-1.1",
        "Host": "127.0.0.1:%d" % kmsd.port})
    FixedTimeSigV4(botocore.credentials.Credentials(key, secret), "kms", "us-east-1",
                   datetime.datetime.utcnow().strftime("%Y%m%dT%H%M%SZ")).add_auth(request)
    resp = kmsd.send("POST", "/", b'{"Limit": 1}', dict(request.headers.items()))
    assert_kms_error(resp, "InvalidSignatureException")


def test_expired_and_future_signatures(kmsd):
    old = (datetime.datetime.utcnow() - datetime.timedelta(minutes=6)).strftime("%Y%m%dT%H%M%SZ")
    resp = kmsd.raw("ListKeys", {}, timestamp=old)
    assert_kms_error(resp, "InvalidSignatureException")
    assert resp.message.startswith("Signature expired: %s is now earlier than " % old)
    assert resp.message.endswith(" - 5 min.)")
    future = (datetime.datetime.utcnow() + datetime.timedelta(minutes=6)).strftime("%Y%m%dT%H%M%SZ")
    resp = kmsd.raw("ListKeys", {}, timestamp=future)
    assert resp.message.startswith("Signature not yet current: %s is still later than " % future)
    within = (datetime.datetime.utcnow() - datetime.timedelta(minutes=4)).strftime("%Y%m%dT%H%M%SZ")
    assert kmsd.raw("ListKeys", {}, timestamp=within).status == 200


def test_credential_scope_must_name_kms_and_a_region(kmsd):
    resp = kmsd.raw("ListKeys", {}, service="s3")
    assert_kms_error(resp, "InvalidSignatureException")
    assert resp.message == "Credential should be scoped to correct service: 'kms'. "
    resp = kmsd.raw("ListKeys", {}, region="not_a_region")
    assert resp.message == "Credential should be scoped to a valid region. "


@pytest.mark.parametrize("authorization,fragment", [
    ("Basic dXNlcjpwYXNz", "Unsupported AWS 'algorithm'"),
    ("AWS4-HMAC-SHA256 Credential=AKIAKMSD0ALICE000001/20240101/us-east-1/kms/aws4_request",
     "Authorization header requires 'Signature' parameter."),
    ("AWS4-HMAC-SHA256 Credential= AKIAKMSD0ALICE000001/20240101/us-east-1/kms/aws4_request, SignedHeaders=host, "
     "Signature=00", "not a valid key=value pair (missing equal-sign) in Authorization header"),
])
def test_malformed_authorization_headers(kmsd, authorization, fragment):
    resp = kmsd.raw("ListKeys", {}, sign=False, headers={"Authorization": authorization,
                                                         "X-Amz-Date": "20240101T000000Z"})
    assert_kms_error(resp, "IncompleteSignatureException")
    assert fragment in resp.message


def test_garbage_http_keeps_the_server_alive(kmsd):
    for payload in (b"\x00\x01\x02garbage\r\n\r\n", b"POST / HTTP/1.1\r\nContent-Length: zz\r\n\r\n",
                    b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\n\r\n"):
        with socket.create_connection(("127.0.0.1", kmsd.port), timeout=10) as s:
            s.sendall(payload)
            s.shutdown(socket.SHUT_WR)
            data = read_until_closed(s)
            assert data.startswith(b"HTTP/1.1 4"), data[:100]
    assert kmsd.alive()
    assert kmsd.raw("ListKeys", {}).status == 200


def test_keep_alive_serves_many_requests_on_one_connection(kmsd):
    import http.client
    import botocore.awsrequest
    import botocore.credentials
    from kmsd_harness import FixedTimeSigV4
    key, secret = kmsd.identities["alice"]
    conn = http.client.HTTPConnection("127.0.0.1", kmsd.port, timeout=10)
    for _ in range(20):
        request = botocore.awsrequest.AWSRequest(method="POST", url=kmsd.endpoint + "/", data=b"{}", headers={
            "X-Amz-Target": "TrentService.ListKeys", "Content-Type": "application/x-amz-json-1.1",
            "Host": "127.0.0.1:%d" % kmsd.port})
        FixedTimeSigV4(botocore.credentials.Credentials(key, secret), "kms", "us-east-1",
                       datetime.datetime.utcnow().strftime("%Y%m%dT%H%M%SZ")).add_auth(request)
        conn.request("POST", "/", body=b"{}", headers=dict(request.headers.items()))
        resp = conn.getresponse()
        assert resp.status == 200 and json.loads(resp.read())["Truncated"] in (True, False)
    conn.close()


def test_other_account_sees_only_its_keys(kmsd):
    mine = kmsd.client().create_key()["KeyMetadata"]["KeyId"]
    theirs = [k["KeyId"] for k in kmsd.client("carol").list_keys(Limit=1000)["Keys"]]
    assert mine not in theirs
    meta = kmsd.client("carol").create_key()["KeyMetadata"]
    assert meta["AWSAccountId"] == "444455556666" and ACCOUNT not in meta["Arn"]
