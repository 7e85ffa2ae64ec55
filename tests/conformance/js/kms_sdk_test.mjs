// Drives kmsd with the AWS SDK for JavaScript v3. Run by ../test_js_sdk.py with
// KMSD_ENDPOINT and two identities' keys in the environment; exits non-zero on
// the first failed check.
import assert from "node:assert/strict";
import {
  CreateAliasCommand, CreateKeyCommand, DecryptCommand, DescribeKeyCommand, EncryptCommand,
  GenerateDataKeyCommand, KMSClient, ListKeysCommand, paginateListKeys,
} from "@aws-sdk/client-kms";

const endpoint = process.env.KMSD_ENDPOINT;
const client = (who) => new KMSClient({
  endpoint, region: "us-east-1", maxAttempts: 1,
  credentials: { accessKeyId: process.env[`${who}_KEY`], secretAccessKey: process.env[`${who}_SECRET`] },
});
const alice = client("ALICE");
const bob = client("BOB");

async function expectError(promise, name, message) {
  try {
    await promise;
  } catch (err) {
    assert.equal(err.name, name);
    assert.equal(err.$metadata.httpStatusCode, 400);
    if (message !== undefined) assert.equal(err.message, message);
    assert.ok(err.$metadata.requestId);
    return err;
  }
  assert.fail(`expected ${name}`);
}

let checks = 0;
const check = async (name, fn) => { await fn(); checks++; console.log(`ok ${name}`); };

const created = await alice.send(new CreateKeyCommand({ Description: "js" }));
const keyId = created.KeyMetadata.KeyId;
const keyArn = created.KeyMetadata.Arn;

await check("CreateKey returns AWS-shaped metadata with Date objects", async () => {
  assert.equal(created.KeyMetadata.KeyState, "Enabled");
  assert.equal(created.KeyMetadata.KeySpec, "SYMMETRIC_DEFAULT");
  assert.ok(created.KeyMetadata.CreationDate instanceof Date);
  assert.ok(created.$metadata.requestId);
});

await check("aliases and DescribeKey by alias", async () => {
  await alice.send(new CreateAliasCommand({ AliasName: "alias/js-sdk", TargetKeyId: keyId }));
  const described = await alice.send(new DescribeKeyCommand({ KeyId: "alias/js-sdk" }));
  assert.equal(described.KeyMetadata.Arn, keyArn);
});

await check("Encrypt and Decrypt bind the encryption context", async () => {
  const context = { "aws:rds:db-id": "db-JS", purpose: "js" };
  const enc = await alice.send(new EncryptCommand({ KeyId: "alias/js-sdk", Plaintext: Buffer.from("hello js"), EncryptionContext: context }));
  assert.equal(enc.KeyId, keyArn);
  const dec = await alice.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: context }));
  assert.equal(Buffer.from(dec.Plaintext).toString(), "hello js");
  await expectError(alice.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { purpose: "js" } })),
                    "InvalidCiphertextException");
});

await check("GenerateDataKey", async () => {
  const dk = await alice.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: "AES_256" }));
  assert.equal(dk.Plaintext.length, 32);
  const dec = await alice.send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob }));
  assert.deepEqual(Buffer.from(dec.Plaintext), Buffer.from(dk.Plaintext));
});

await check("errors carry KMS types and messages", async () => {
  await expectError(alice.send(new DescribeKeyCommand({ KeyId: "fake-key-id" })), "NotFoundException",
                    "Invalid keyId 'fake-key-id'");
  const denied = await expectError(bob.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("x") })),
                                   "AccessDeniedException");
  assert.match(denied.message, /^User: arn:aws:iam::111122223333:user\/bob is not authorized to perform: kms:Encrypt/);
});

await check("ListKeys paginator follows markers", async () => {
  for (let i = 0; i < 3; i++) await alice.send(new CreateKeyCommand({}));
  const ids = [];
  for await (const page of paginateListKeys({ client: alice, pageSize: 2 }, {})) ids.push(...page.Keys.map((k) => k.KeyId));
  const all = await alice.send(new ListKeysCommand({ Limit: 1000 }));
  assert.deepEqual(ids, all.Keys.map((k) => k.KeyId));
  assert.ok(ids.length >= 4);
});

console.log(`${checks} checks passed`);
