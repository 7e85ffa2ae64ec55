// The common flow with the AWS SDK for Go v2 (Debian's
// golang-github-aws-aws-sdk-go-v2-dev, built in GOPATH mode) against kmsd at
// KMSD_ENDPOINT: a key and its alias, Encrypt/Decrypt with an encryption
// context (and a wrong one refused), GenerateDataKey, ListKeys paging, a
// grant, and the calls in CloudTrail's LookupEvents. Prints "N checks passed".
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

var checks = 0

func check(what string, ok bool) {
	if !ok {
		fmt.Fprintln(os.Stderr, "check failed:", what)
		os.Exit(1)
	}
	checks++
}

func must[T any](value T, err error) T {
	if err != nil {
		fmt.Fprintln(os.Stderr, "call failed:", err)
		os.Exit(1)
	}
	return value
}

func main() {
	ctx := context.Background()
	endpoint := os.Getenv("KMSD_ENDPOINT")
	cfg := aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(os.Getenv("ALICE_KEY"), os.Getenv("ALICE_SECRET"), ""),
		RetryMaxAttempts: 1,
	}
	client := kms.NewFromConfig(cfg, func(o *kms.Options) { o.EndpointResolver = kms.EndpointResolverFromURL(endpoint) })

	key := must(client.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("go")})).KeyMetadata
	must(client.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/go-flow"), TargetKeyId: key.KeyId}))
	described := must(client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/go-flow")}))
	check("the alias names the key", *described.KeyMetadata.Arn == *key.Arn)

	encryptionContext := map[string]string{"purpose": "go"}
	blob := must(client.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("alias/go-flow"), Plaintext: []byte("secret"),
		EncryptionContext: encryptionContext})).CiphertextBlob
	opened := must(client.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: encryptionContext}))
	check("a round trip with the context", string(opened.Plaintext) == "secret")
	_, err := client.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: map[string]string{"purpose": "other"}})
	var invalid *types.InvalidCiphertextException
	check("a wrong context is refused", errors.As(err, &invalid))

	dataKey := must(client.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: key.KeyId, KeySpec: types.DataKeySpecAes256}))
	unwrapped := must(client.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: dataKey.CiphertextBlob}))
	check("the data key decrypts to its plaintext", len(dataKey.Plaintext) == 32 && bytes.Equal(unwrapped.Plaintext, dataKey.Plaintext))

	for i := 0; i < 3; i++ {
		must(client.CreateKey(ctx, &kms.CreateKeyInput{}))
	}
	seen := map[string]bool{}
	pages := 0
	paginator := kms.NewListKeysPaginator(client, &kms.ListKeysInput{Limit: aws.Int32(2)})
	for paginator.HasMorePages() {
		page := must(paginator.NextPage(ctx))
		pages++
		for _, k := range page.Keys {
			check("no key is listed twice", !seen[*k.KeyId])
			seen[*k.KeyId] = true
		}
	}
	check("ListKeys pages through every key", pages >= 2 && seen[*key.KeyId] && len(seen) >= 4)

	grant := must(client.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: key.KeyId, Operations: []types.GrantOperation{types.GrantOperationDecrypt},
		GranteePrincipal: aws.String("arn:aws:iam::111122223333:user/bob")}))
	grants := must(client.ListGrants(ctx, &kms.ListGrantsInput{KeyId: key.KeyId}))
	listed := false
	for _, g := range grants.Grants {
		listed = listed || *g.GrantId == *grant.GrantId
	}
	check("the grant is listed", listed)

	trail := cloudtrail.NewFromConfig(cfg, func(o *cloudtrail.Options) { o.EndpointResolver = cloudtrail.EndpointResolverFromURL(endpoint) })
	events := must(trail.LookupEvents(ctx, &cloudtrail.LookupEventsInput{
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyResourceName, AttributeValue: key.Arn}},
	}))
	names := map[string]bool{}
	for _, e := range events.Events {
		names[*e.EventName] = true
	}
	check("LookupEvents has the key's calls", names["CreateKey"] && names["CreateAlias"] && names["Encrypt"] &&
		names["Decrypt"] && names["GenerateDataKey"] && names["CreateGrant"])

	fmt.Printf("%d checks passed\n", checks)
}
