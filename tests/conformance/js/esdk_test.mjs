// Drives kmsd with the AWS Encryption SDK for JavaScript (@aws-crypto/client-node):
// a KMS keyring with two keys (a generator and one more), encrypt and decrypt
// with an encryption context, each key alone able to decrypt, and a discovery
// keyring. Run by ../test_js_sdk.py with KMSD_ENDPOINT and alice's keys.
import assert from "node:assert/strict";
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import {
  buildClient, CommitmentPolicy, KmsKeyringNode, getClient,
} from "@aws-crypto/client-node";
import { KMS } from "@aws-sdk/client-kms";

const endpoint = process.env.KMSD_ENDPOINT;
const credentials = {
  accessKeyId: process.env.ALICE_KEY, secretAccessKey: process.env.ALICE_SECRET,
};
const kms = new KMSClient({ endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
const clientProvider = getClient(KMS, { endpoint, credentials, maxAttempts: 1 });
const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

let checks = 0;
const generatorKeyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata.Arn;
const otherKeyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata.Arn;
const keyring = new KmsKeyringNode({ generatorKeyId, keyIds: [otherKeyId], clientProvider });
const context = { purpose: "esdk", stage: "test" };
const plaintext = Buffer.from("the encryption sdk through kmsd");

const { result } = await encrypt(keyring, plaintext, { encryptionContext: context });
const opened = await decrypt(keyring, result);
assert.deepEqual(opened.plaintext, plaintext);
assert.equal(opened.messageHeader.encryptionContext.purpose, "esdk");
assert.equal(opened.messageHeader.encryptedDataKeys.length, 2);
checks++;

for (const keyId of [generatorKeyId, otherKeyId]) {
  const alone = new KmsKeyringNode({ keyIds: [keyId], clientProvider });
  assert.deepEqual((await decrypt(alone, result)).plaintext, plaintext);
  checks++;
}

const discovery = new KmsKeyringNode({ discovery: true, clientProvider });
assert.deepEqual((await decrypt(discovery, result)).plaintext, plaintext);
checks++;

// A keyring of another key cannot open the message.
const strangerKeyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata.Arn;
await assert.rejects(decrypt(new KmsKeyringNode({ keyIds: [strangerKeyId], clientProvider }), result));
checks++;

console.log(`${checks} checks passed`);
