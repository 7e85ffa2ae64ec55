# The common flow with the Ruby SDK (Debian's ruby-aws-sdk-kms), against kmsd
# at KMSD_ENDPOINT: a key and its alias, Encrypt/Decrypt with an encryption
# context (and a wrong one refused), GenerateDataKey, ListKeys paging, a
# grant, and the calls in LookupEvents (signed with the SDK's own SigV4
# signer: Debian has no CloudTrail gem). Prints "N checks passed".
require "aws-sdk-kms"
require "aws-sigv4"
require "json"
require "net/http"

endpoint = ENV.fetch("KMSD_ENDPOINT")
credentials = Aws::Credentials.new(ENV.fetch("ALICE_KEY"), ENV.fetch("ALICE_SECRET"))
kms = Aws::KMS::Client.new(endpoint: endpoint, region: "us-east-1", credentials: credentials,
                           retry_limit: 0)
checks = 0
check = lambda do |what, ok|
  raise "check failed: #{what}" unless ok
  checks += 1
end

key = kms.create_key(description: "ruby").key_metadata
kms.create_alias(alias_name: "alias/ruby-flow", target_key_id: key.key_id)
check.call("the alias names the key",
           kms.describe_key(key_id: "alias/ruby-flow").key_metadata.arn == key.arn)

context = { "purpose" => "ruby" }
blob = kms.encrypt(key_id: "alias/ruby-flow", plaintext: "secret", encryption_context: context)
         .ciphertext_blob
check.call("a round trip with the context",
           kms.decrypt(ciphertext_blob: blob, encryption_context: context).plaintext == "secret")
begin
  kms.decrypt(ciphertext_blob: blob, encryption_context: { "purpose" => "other" })
  check.call("a wrong context is refused", false)
rescue Aws::KMS::Errors::InvalidCiphertextException
  check.call("a wrong context is refused", true)
end

data_key = kms.generate_data_key(key_id: key.key_id, key_spec: "AES_256")
check.call("the data key decrypts to its plaintext",
           data_key.plaintext.bytesize == 32 &&
           kms.decrypt(ciphertext_blob: data_key.ciphertext_blob).plaintext == data_key.plaintext)

3.times { kms.create_key }
ids = []
marker = nil
pages = 0
loop do
  page = kms.list_keys(limit: 2, marker: marker)
  ids.concat(page.keys.map(&:key_id))
  pages += 1
  break unless page.truncated
  marker = page.next_marker
end
check.call("ListKeys pages through every key", pages >= 2 && ids.include?(key.key_id) &&
           ids.uniq.size == ids.size && ids.size >= 4)

grant = kms.create_grant(key_id: key.key_id, operations: ["Decrypt"],
                         grantee_principal: "arn:aws:iam::111122223333:user/bob")
check.call("the grant is listed",
           kms.list_grants(key_id: key.key_id).grants.any? { |g| g.grant_id == grant.grant_id })

signer = Aws::Sigv4::Signer.new(service: "cloudtrail", region: "us-east-1",
                                credentials_provider: credentials)
body = JSON.generate({ "LookupAttributes" => [{ "AttributeKey" => "ResourceName",
                                                 "AttributeValue" => key.arn }],
                       "MaxResults" => 50 })
headers = { "Content-Type" => "application/x-amz-json-1.1",
            "X-Amz-Target" => "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents" }
signature = signer.sign_request(http_method: "POST", url: endpoint + "/", headers: headers,
                                body: body)
uri = URI(endpoint + "/")
request = Net::HTTP::Post.new(uri, headers.merge(signature.headers))
request.body = body
response = Net::HTTP.start(uri.host, uri.port) { |http| http.request(request) }
names = JSON.parse(response.body).fetch("Events").map { |e| e["EventName"] }
check.call("LookupEvents has the key's calls",
           response.code == "200" && (%w[CreateKey CreateAlias Encrypt Decrypt GenerateDataKey
                                          CreateGrant] - names).empty?)

puts "#{checks} checks passed"
