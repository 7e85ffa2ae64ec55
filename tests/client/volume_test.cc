#include <filesystem>

#include <gtest/gtest.h>

#include "client/atomic_file.h"
#include "kms/client/rds_volume.h"
#include "kms/crypto.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace kms::rds {
namespace {

constexpr uint64_t kSize = 16 * kSectorSize;

VolumeHeader EncryptedHeader() {
  VolumeHeader header;
  header.resource_id = "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  header.volume_id = "vol-0123456789abcdef0";
  header.region = "us-east-1";
  header.encrypted = true;
  header.key_arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
  header.encrypted_data_key = Bytes(150, 0xAB);
  header.size = kSize;
  return header;
}

VolumeHeader PlainHeader() {
  VolumeHeader header = EncryptedHeader();
  header.encrypted = false;
  header.key_arn.clear();
  header.encrypted_data_key.clear();
  return header;
}

SecretBytes DataKey() { return crypto::RandomSecret(kDataKeySize); }

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

std::string FileBytes(const std::string& path) { return ReadFile(path).value(); }

TEST(VolumeHeaderTest, RoundTripsInExactlyOneSector) {
  for (const VolumeHeader& header : {EncryptedHeader(), PlainHeader()}) {
    KMS_ASSERT_OK_AND_ASSIGN(Bytes encoded, EncodeVolumeHeader(header));
    EXPECT_EQ(encoded.size(), kSectorSize);
    KMS_ASSERT_OK_AND_ASSIGN(VolumeHeader decoded, DecodeVolumeHeader(encoded));
    EXPECT_EQ(decoded, header);
  }
}

TEST(VolumeHeaderTest, RejectsWrongMagicVersionAndChecksum) {
  KMS_ASSERT_OK_AND_ASSIGN(Bytes encoded, EncodeVolumeHeader(EncryptedHeader()));
  Bytes bad_magic = encoded;
  bad_magic[0] ^= 1;
  EXPECT_THAT(DecodeVolumeHeader(bad_magic), StatusIs(Code::kValidation));
  Bytes bad_version = encoded;
  bad_version[8] = 2;
  EXPECT_THAT(DecodeVolumeHeader(bad_version), StatusIs(Code::kValidation));
  Bytes flipped = encoded;
  flipped[40] ^= 0x10;  // inside the body: the checksum no longer matches
  EXPECT_THAT(DecodeVolumeHeader(flipped),
              StatusIs(Code::kValidation, ::testing::HasSubstr("checksum")));
  EXPECT_THAT(DecodeVolumeHeader(ByteView(encoded).first(100)), StatusIs(Code::kValidation));
}

TEST(VolumeHeaderTest, RejectsInconsistentOrOversizedHeaders) {
  VolumeHeader no_key = EncryptedHeader();
  no_key.key_arn.clear();
  EXPECT_THAT(EncodeVolumeHeader(no_key), StatusIs(Code::kValidation));
  VolumeHeader plain_with_blob = PlainHeader();
  plain_with_blob.encrypted_data_key = Bytes(10, 1);
  EXPECT_THAT(EncodeVolumeHeader(plain_with_blob), StatusIs(Code::kValidation));
  VolumeHeader odd_size = EncryptedHeader();
  odd_size.size = kSectorSize + 1;
  EXPECT_THAT(EncodeVolumeHeader(odd_size), StatusIs(Code::kValidation));
  VolumeHeader huge = EncryptedHeader();
  huge.encrypted_data_key = Bytes(5000, 1);
  EXPECT_THAT(EncodeVolumeHeader(huge), StatusIs(Code::kValidation));
}

TEST(VolumeHeaderTest, ContextNamesTheDbOrClusterAndTheVolume) {
  EXPECT_EQ(VolumeContext("db-X", "vol-1"),
            (EncryptionContext{{"aws:rds:db-id", "db-X"}, {"aws:ebs:id", "vol-1"}}));
  EXPECT_EQ(VolumeContext("cluster-Y", "vol-2"),
            (EncryptionContext{{"aws:rds:dbc-id", "cluster-Y"}, {"aws:ebs:id", "vol-2"}}));
  EXPECT_EQ(EncryptedHeader().Context().at("aws:ebs:id"), "vol-0123456789abcdef0");
}

TEST(SectorCryptoTest, IsXtsAes256WithTheSectorNumberAsTweak) {
  const SecretBytes key = DataKey();
  const Bytes plaintext(kSectorSize, 'p');
  Bytes sector3(kSectorSize), sector4(kSectorSize), direct(kSectorSize);
  ASSERT_THAT(EncryptSector(key, 3, plaintext, sector3), IsOk());
  ASSERT_THAT(EncryptSector(key, 4, plaintext, sector4), IsOk());
  ASSERT_THAT(crypto::XtsAes256(true, key, 3, plaintext, direct), IsOk());
  EXPECT_EQ(sector3, direct);
  EXPECT_NE(sector3, sector4);
  EXPECT_NE(sector3, plaintext);
  Bytes back(kSectorSize);
  ASSERT_THAT(DecryptSector(key, 3, sector3, back), IsOk());
  EXPECT_EQ(back, plaintext);
}

TEST(SectorCryptoTest, RejectsPartialSectorsAndShortKeys) {
  Bytes out(kSectorSize);
  EXPECT_THAT(EncryptSector(DataKey(), 0, Bytes(100), out), StatusIs(Code::kValidation));
  EXPECT_THAT(EncryptSector(crypto::RandomSecret(32), 0, Bytes(kSectorSize), out),
              StatusIs(Code::kValidation));
}

class VolumeFileTest : public ::testing::Test {
 protected:
  std::string Path(const std::string& name) { return dir_.Sub(name); }
  testing::TempDir dir_;
  SecretBytes key_ = DataKey();
};

TEST_F(VolumeFileTest, ReadsBackWhatWasWrittenAcrossSectorsAndReopens) {
  const std::string path = Path("v.vol");
  const std::string text = "straddles the sector boundary";
  {
    KMS_ASSERT_OK_AND_ASSIGN(VolumeFile volume, VolumeFile::Create(path, EncryptedHeader()));
    ASSERT_THAT(volume.Write(4090, AsBytes(text), &key_), IsOk());
  }
  KMS_ASSERT_OK_AND_ASSIGN(VolumeFile volume, VolumeFile::Open(path, false));
  EXPECT_EQ(volume.header(), EncryptedHeader());
  KMS_ASSERT_OK_AND_ASSIGN(SecretBytes read, volume.Read(4090, text.size(), &key_));
  EXPECT_EQ(AsString(read.view()), text);
}

TEST_F(VolumeFileTest, PartialWritesKeepTheRestOfTheSector) {
  KMS_ASSERT_OK_AND_ASSIGN(VolumeFile volume, VolumeFile::Create(Path("v.vol"), EncryptedHeader()));
  ASSERT_THAT(volume.Write(0, Bytes(kSectorSize, 'a'), &key_), IsOk());
  ASSERT_THAT(volume.Write(10, AsBytes("XYZ"), &key_), IsOk());
  KMS_ASSERT_OK_AND_ASSIGN(SecretBytes read, volume.Read(8, 7, &key_));
  EXPECT_EQ(AsString(read.view()), "aaXYZaa");
}

TEST_F(VolumeFileTest, UnwrittenSectorsReadAsZeros) {
  KMS_ASSERT_OK_AND_ASSIGN(VolumeFile volume, VolumeFile::Create(Path("v.vol"), EncryptedHeader()));
  ASSERT_THAT(volume.Write(5 * kSectorSize, AsBytes("x"), &key_), IsOk());
  KMS_ASSERT_OK_AND_ASSIGN(SecretBytes hole, volume.Read(kSectorSize, 8, &key_));
  EXPECT_EQ(hole.view().size(), 8u);
  for (uint8_t b : hole.view()) EXPECT_EQ(b, 0);
  KMS_ASSERT_OK_AND_ASSIGN(SecretBytes beyond, volume.Read(kSize - 4, 4, &key_));
  for (uint8_t b : beyond.view()) EXPECT_EQ(b, 0);
}

TEST_F(VolumeFileTest, EncryptedFileHoldsNoPlaintextAndNoKey) {
  const std::string path = Path("v.vol");
  const std::string secret = "credit card 4111-1111-1111-1111";
  KMS_ASSERT_OK_AND_ASSIGN(VolumeFile volume, VolumeFile::Create(path, EncryptedHeader()));
  for (uint64_t sector = 0; sector < 4; ++sector) {
    ASSERT_THAT(volume.Write(sector * kSectorSize + 100, AsBytes(secret), &key_), IsOk());
  }
  const std::string raw = FileBytes(path);
  EXPECT_FALSE(Contains(raw, secret));
  EXPECT_FALSE(Contains(raw, AsString(key_.view())));
  EXPECT_FALSE(Contains(raw, AsString(key_.view().first(16))));
}

TEST_F(VolumeFileTest, UnencryptedVolumesStorePlaintextAndTakeNoKey) {
  const std::string path = Path("p.vol");
  KMS_ASSERT_OK_AND_ASSIGN(VolumeFile volume, VolumeFile::Create(path, PlainHeader()));
  ASSERT_THAT(volume.Write(7, AsBytes("visible"), nullptr), IsOk());
  EXPECT_TRUE(Contains(FileBytes(path), "visible"));
  EXPECT_THAT(volume.Write(0, AsBytes("x"), &key_), StatusIs(Code::kValidation));
  KMS_ASSERT_OK_AND_ASSIGN(VolumeFile encrypted,
                           VolumeFile::Create(Path("e.vol"), EncryptedHeader()));
  EXPECT_THAT(encrypted.Read(0, 1, nullptr), StatusIs(Code::kValidation));
}

TEST_F(VolumeFileTest, RefusesRangesOutsideTheVolume) {
  KMS_ASSERT_OK_AND_ASSIGN(VolumeFile volume, VolumeFile::Create(Path("v.vol"), EncryptedHeader()));
  EXPECT_THAT(volume.Write(kSize - 1, AsBytes("ab"), &key_), StatusIs(Code::kValidation));
  EXPECT_THAT(volume.Read(kSize + 1, 0, &key_), StatusIs(Code::kValidation));
  EXPECT_THAT(volume.Read(1, UINT64_MAX, &key_), StatusIs(Code::kValidation));
}

TEST_F(VolumeFileTest, VerbatimCopyKeepsCiphertextAndTakesANewHeader) {
  KMS_ASSERT_OK_AND_ASSIGN(VolumeFile source, VolumeFile::Create(Path("s.vol"), EncryptedHeader()));
  ASSERT_THAT(source.Write(3 * kSectorSize + 5, AsBytes("copied data"), &key_), IsOk());
  VolumeHeader header = EncryptedHeader();
  header.volume_id = "vol-fedcba9876543210f";
  header.region = "eu-west-1";
  header.encrypted_data_key = Bytes(160, 0xCD);
  ASSERT_THAT(source.CopyTo(Path("c.vol"), header, nullptr), IsOk());
  KMS_ASSERT_OK_AND_ASSIGN(VolumeFile copy, VolumeFile::Open(Path("c.vol"), false));
  EXPECT_EQ(copy.header(), header);
  EXPECT_EQ(FileBytes(Path("s.vol")).substr(kSectorSize),
            FileBytes(Path("c.vol")).substr(kSectorSize));
  KMS_ASSERT_OK_AND_ASSIGN(SecretBytes read, copy.Read(3 * kSectorSize + 5, 11, &key_));
  EXPECT_EQ(AsString(read.view()), "copied data");
}

TEST_F(VolumeFileTest, CopyCanEncryptAnUnencryptedVolume) {
  KMS_ASSERT_OK_AND_ASSIGN(VolumeFile source, VolumeFile::Create(Path("p.vol"), PlainHeader()));
  ASSERT_THAT(source.Write(2 * kSectorSize, AsBytes("was plaintext"), nullptr), IsOk());
  ASSERT_THAT(source.CopyTo(Path("e.vol"), EncryptedHeader(), &key_), IsOk());
  EXPECT_FALSE(Contains(FileBytes(Path("e.vol")), "was plaintext"));
  KMS_ASSERT_OK_AND_ASSIGN(VolumeFile copy, VolumeFile::Open(Path("e.vol"), false));
  KMS_ASSERT_OK_AND_ASSIGN(SecretBytes read, copy.Read(2 * kSectorSize, 13, &key_));
  EXPECT_EQ(AsString(read.view()), "was plaintext");
  KMS_ASSERT_OK_AND_ASSIGN(SecretBytes untouched, copy.Read(0, 4, &key_));
  for (uint8_t b : untouched.view()) EXPECT_EQ(b, 0);
}

TEST_F(VolumeFileTest, CopyNeverRemovesEncryption) {
  KMS_ASSERT_OK_AND_ASSIGN(VolumeFile source, VolumeFile::Create(Path("s.vol"), EncryptedHeader()));
  EXPECT_THAT(source.CopyTo(Path("p.vol"), PlainHeader(), nullptr), StatusIs(Code::kValidation));
  EXPECT_THAT(source.CopyTo(Path("p.vol"), EncryptedHeader(), &key_), StatusIs(Code::kValidation));
  EXPECT_FALSE(std::filesystem::exists(Path("p.vol")));
}

TEST_F(VolumeFileTest, CreateLeavesNoTemporaryFiles) {
  KMS_ASSERT_OK_AND_ASSIGN(VolumeFile volume, VolumeFile::Create(Path("v.vol"), EncryptedHeader()));
  ASSERT_THAT(volume.CopyTo(Path("c.vol"), EncryptedHeader(), nullptr), IsOk());
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"c.vol", "v.vol"}));
}

TEST_F(VolumeFileTest, OpenRejectsFilesThatAreNotVolumes) {
  ASSERT_THAT(WriteFileAtomically(Path("junk.vol"), std::string(kSectorSize, 'j')), IsOk());
  EXPECT_THAT(VolumeFile::Open(Path("junk.vol"), false), StatusIs(Code::kValidation));
  EXPECT_THAT(VolumeFile::Open(Path("missing.vol"), false), StatusIs(Code::kInternal));
}

}  // namespace
}  // namespace kms::rds
