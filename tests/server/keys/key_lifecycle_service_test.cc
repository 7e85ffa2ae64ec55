#include "server/keys/key_lifecycle_service.h"

#include "tests/server/keys/service_test_util.h"

namespace kms::keys {
namespace {

using testing::ServiceTest;

class KeyLifecycleServiceTest : public ServiceTest {};

TEST_F(KeyLifecycleServiceTest, CreateKey_MakesAnEnabledSymmetricKeyInTheCallersScope) {
  const Key key = NewKey("first");
  EXPECT_EQ(key->account, testing::kAccount);
  EXPECT_EQ(key->region, testing::kRegion);
  EXPECT_EQ(key->state, KeyState::kEnabled);
  EXPECT_EQ(key->key_spec, "SYMMETRIC_DEFAULT");
  EXPECT_EQ(key->description, "first");
}

}  // namespace
}  // namespace kms::keys
