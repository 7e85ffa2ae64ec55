// OpenSSL-backed primitives. Algorithms are fetched once per process and
// contexts are reused per thread, which keeps the per-call cost near the cost
// of the cipher itself.
#include <pthread.h>

#include <array>
#include <atomic>
#include <cstring>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "kms/crypto.h"

namespace kms::crypto {
namespace {

struct Algorithms {
  EVP_CIPHER* aes_256_gcm = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  EVP_CIPHER* aes_256_xts = EVP_CIPHER_fetch(nullptr, "AES-256-XTS", nullptr);
  EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EVP_MAC* hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  Algorithms() {
    KMS_CHECK(aes_256_gcm != nullptr && aes_256_xts != nullptr && sha256 != nullptr &&
              hmac != nullptr);
  }
};

const Algorithms& Algs() {
  static const Algorithms kAlgorithms;
  return kAlgorithms;
}

struct CipherCtx {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  ~CipherCtx() { EVP_CIPHER_CTX_free(ctx); }
};
struct MdCtx {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~MdCtx() { EVP_MD_CTX_free(ctx); }
};
struct HmacCtx {
  EVP_MAC_CTX* ctx = nullptr;
  HmacCtx() {
    ctx = EVP_MAC_CTX_new(Algs().hmac);
    KMS_CHECK(ctx != nullptr);
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    KMS_CHECK(EVP_MAC_CTX_set_params(ctx, params) == 1);
  }
  ~HmacCtx() { EVP_MAC_CTX_free(ctx); }
};

EVP_CIPHER_CTX* ThreadCipherCtx() {
  thread_local CipherCtx ctx;
  EVP_CIPHER_CTX_reset(ctx.ctx);
  return ctx.ctx;
}

int AsInt(size_t n) { return static_cast<int>(n); }

class Aes256GcmAead final : public Aead {
 public:
  explicit Aes256GcmAead(const SecretBytes& key) : key_(key.Clone()) {}

  StatusOr<Bytes> Encrypt(ByteView plaintext, ByteView associated_data) const override {
    Bytes out(12 + plaintext.size() + 16);
    RandomPublicBytes(std::span<uint8_t>(out.data(), 12));
    KMS_RETURN_IF_ERROR(Aes256GcmSeal(key_, ByteView(out.data(), 12), plaintext, associated_data,
                                      std::span<uint8_t>(out.data() + 12, plaintext.size()),
                                      std::span<uint8_t>(out.data() + 12 + plaintext.size(), 16)));
    return out;
  }

  StatusOr<SecretBytes> Decrypt(ByteView ciphertext, ByteView associated_data) const override {
    if (ciphertext.size() < 28) return Error(Code::kInvalidCiphertext);
    const size_t body = ciphertext.size() - 28;
    return Aes256GcmOpen(key_, ciphertext.subspan(0, 12), ciphertext.subspan(12, body),
                         associated_data, ciphertext.subspan(12 + body, 16));
  }

 private:
  SecretBytes key_;
};

}  // namespace

void RandomBytes(std::span<uint8_t> out) {
  if (out.empty()) return;
  KMS_CHECK(RAND_bytes(out.data(), AsInt(out.size())) == 1);
}

namespace {

// Secret random bytes, from OpenSSL's DRBG for private values.
void RandomPrivateBytes(std::span<uint8_t> out) {
  if (out.empty()) return;
  KMS_CHECK(RAND_priv_bytes(out.data(), AsInt(out.size())) == 1);
}

// Counts the forks this process's line has made: a child sees a number its
// parent never had. (Read per value instead of getpid(), which glibc 2.36
// makes a system call each time.)
std::atomic<uint64_t> fork_count{0};

uint64_t ForkCount() {
  static const bool kCounting = [] {
    KMS_CHECK(pthread_atfork(nullptr, nullptr, [] { fork_count.fetch_add(1); }) == 0);
    return true;
  }();
  static_cast<void>(kCounting);
  return fork_count.load(std::memory_order_relaxed);
}

// A per-thread pool of CSPRNG bytes that `Fill` refills 4 KiB at a time, so
// that a request does not pay the CSPRNG's per-call cost (locks, parameters,
// reseed checks) for each value. What is handed out is wiped from the pool at
// once, and the rest when the thread ends; a forked child refills before
// taking, so that it never repeats its parent's bytes.
template <void (*Fill)(std::span<uint8_t>)>
class RandomPool {
 public:
  ~RandomPool() { SecureWipe(bytes_); }

  void Take(std::span<uint8_t> out) {
    if (out.size() > bytes_.size()) return Fill(out);
    const uint64_t forks = ForkCount();
    if (forks != forks_ || bytes_.size() - used_ < out.size()) {
      Fill(bytes_);
      used_ = 0;
      forks_ = forks;
    }
    const std::span<uint8_t> taken(bytes_.data() + used_, out.size());
    std::memcpy(out.data(), taken.data(), taken.size());
    SecureWipe(taken);
    used_ += out.size();
  }

 private:
  std::array<uint8_t, 4096> bytes_;
  size_t used_ = bytes_.size();
  uint64_t forks_ = 0;
};

}  // namespace

void RandomPublicBytes(std::span<uint8_t> out) {
  thread_local RandomPool<RandomBytes> pool;
  pool.Take(out);
}

Bytes RandomBytes(size_t size) {
  Bytes out(size);
  RandomBytes(std::span<uint8_t>(out));
  return out;
}

SecretBytes RandomSecret(size_t size) {
  thread_local RandomPool<RandomPrivateBytes> pool;
  SecretBytes out(size);
  pool.Take(out.mutable_view());
  return out;
}

Sha256Digest Sha256(ByteView data) {
  thread_local MdCtx md;
  Sha256Digest out;
  unsigned int len = 0;
  KMS_CHECK(EVP_DigestInit_ex2(md.ctx, Algs().sha256, nullptr) == 1);
  KMS_CHECK(EVP_DigestUpdate(md.ctx, data.data(), data.size()) == 1);
  KMS_CHECK(EVP_DigestFinal_ex(md.ctx, out.data(), &len) == 1 && len == out.size());
  return out;
}

Sha256Digest HmacSha256(ByteView key, ByteView data) {
  thread_local HmacCtx hmac;
  Sha256Digest out;
  size_t len = 0;
  // An empty key is valid HMAC; OpenSSL wants a non-null pointer for it.
  static const uint8_t kEmpty = 0;
  KMS_CHECK(EVP_MAC_init(hmac.ctx, key.empty() ? &kEmpty : key.data(), key.size(), nullptr) == 1);
  KMS_CHECK(EVP_MAC_update(hmac.ctx, data.data(), data.size()) == 1);
  KMS_CHECK(EVP_MAC_final(hmac.ctx, out.data(), &len, out.size()) == 1 && len == out.size());
  return out;
}

StatusOr<SecretBytes> HkdfSha256(ByteView key, ByteView salt, ByteView info, size_t length) {
  if (length > size_t{255} * 32) return Error(Code::kValidation, "HKDF output too long");
  static const uint8_t kZeroSalt[32] = {};
  Sha256Digest prk = HmacSha256(salt.empty() ? ByteView(kZeroSalt, 32) : salt, key);
  SecretBytes out(length);
  Bytes block;
  block.reserve(32 + info.size() + 1);
  Sha256Digest t{};
  size_t done = 0;
  for (uint8_t counter = 1; done < length; ++counter) {
    block.clear();
    if (counter > 1) block.insert(block.end(), t.begin(), t.end());
    block.insert(block.end(), info.begin(), info.end());
    block.push_back(counter);
    t = HmacSha256(ByteView(prk), block);
    const size_t take = std::min<size_t>(32, length - done);
    std::memcpy(out.data() + done, t.data(), take);
    done += take;
  }
  SecureWipe(prk);
  SecureWipe(t);
  SecureWipe(block);
  return out;
}

StatusOr<std::unique_ptr<Aead>> NewAes256Gcm(const SecretBytes& key) {
  if (key.size() != 32) return Error(Code::kValidation, "AES-256-GCM needs a 32-byte key");
  return std::make_unique<Aes256GcmAead>(key);
}

Status Aes256GcmSeal(const SecretBytes& key, ByteView nonce, ByteView plaintext,
                     ByteView associated_data, std::span<uint8_t> ciphertext_out,
                     std::span<uint8_t> tag_out) {
  if (key.size() != 32 || nonce.size() != 12 || tag_out.size() != 16 ||
      ciphertext_out.size() != plaintext.size()) {
    return Error(Code::kInternal, "bad AES-GCM parameters");
  }
  EVP_CIPHER_CTX* ctx = ThreadCipherCtx();
  int len = 0;
  if (EVP_EncryptInit_ex2(ctx, Algs().aes_256_gcm, key.data(), nonce.data(), nullptr) != 1 ||
      (!associated_data.empty() && EVP_EncryptUpdate(ctx, nullptr, &len, associated_data.data(),
                                                     AsInt(associated_data.size())) != 1) ||
      (!plaintext.empty() && EVP_EncryptUpdate(ctx, ciphertext_out.data(), &len, plaintext.data(),
                                               AsInt(plaintext.size())) != 1) ||
      EVP_EncryptFinal_ex(ctx, ciphertext_out.data() + plaintext.size(), &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag_out.data()) != 1) {
    return Error(Code::kInternal, "AES-GCM encryption failed");
  }
  return OkStatus();
}

StatusOr<SecretBytes> Aes256GcmOpen(const SecretBytes& key, ByteView nonce, ByteView ciphertext,
                                    ByteView associated_data, ByteView tag) {
  if (key.size() != 32 || nonce.size() != 12 || tag.size() != 16)
    return Error(Code::kInvalidCiphertext);
  EVP_CIPHER_CTX* ctx = ThreadCipherCtx();
  SecretBytes plaintext(ciphertext.size());
  int len = 0;
  uint8_t tag_copy[16];
  std::memcpy(tag_copy, tag.data(), 16);
  if (EVP_DecryptInit_ex2(ctx, Algs().aes_256_gcm, key.data(), nonce.data(), nullptr) != 1 ||
      (!associated_data.empty() && EVP_DecryptUpdate(ctx, nullptr, &len, associated_data.data(),
                                                     AsInt(associated_data.size())) != 1) ||
      (!ciphertext.empty() && EVP_DecryptUpdate(ctx, plaintext.data(), &len, ciphertext.data(),
                                                AsInt(ciphertext.size())) != 1) ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag_copy) != 1 ||
      EVP_DecryptFinal_ex(ctx, plaintext.data() + ciphertext.size(), &len) != 1) {
    return Error(Code::kInvalidCiphertext);
  }
  return plaintext;
}

Status XtsAes256(bool encrypt, const SecretBytes& key, uint64_t sector, ByteView in,
                 std::span<uint8_t> out) {
  if (key.size() != 64 || in.size() < 16 || out.size() != in.size()) {
    return Error(Code::kInternal, "bad XTS parameters");
  }
  if (ConstantTimeEquals(key.view().subspan(0, 32), key.view().subspan(32, 32))) {
    return Error(Code::kInternal, "XTS key halves must differ");
  }
  uint8_t tweak[16] = {};
  for (int i = 0; i < 8; ++i) tweak[i] = static_cast<uint8_t>(sector >> (8 * i));
  EVP_CIPHER_CTX* ctx = ThreadCipherCtx();
  int len = 0;
  if (EVP_CipherInit_ex2(ctx, Algs().aes_256_xts, key.data(), tweak, encrypt ? 1 : 0, nullptr) !=
          1 ||
      EVP_CipherUpdate(ctx, out.data(), &len, in.data(), AsInt(in.size())) != 1 ||
      EVP_CipherFinal_ex(ctx, out.data() + len, &len) != 1) {
    return Error(Code::kInternal, "XTS operation failed");
  }
  return OkStatus();
}

}  // namespace kms::crypto
