#include "kms/server/keys/key_service.h"

namespace kms::keys {

Status CheckKeyState(const KeyRecord& key, KeyUse use) {
  const KeyState state = key.state;
  if (use == KeyUse::kCancelDeletion) {
    if (state == KeyState::kPendingDeletion || state == KeyState::kPendingReplicaDeletion)
      return OkStatus();
    return Error(Code::kInvalidState, key.Arn() + " is not pending deletion.");
  }
  if (use == KeyUse::kRead || state == KeyState::kEnabled) return OkStatus();
  switch (state) {
    case KeyState::kDisabled:
      if (use == KeyUse::kCryptographic || use == KeyUse::kRotationConfig) {
        return Error(Code::kDisabled, key.Arn() + " is disabled.");
      }
      return OkStatus();
    case KeyState::kPendingDeletion:
      return Error(Code::kInvalidState, key.Arn() + " is pending deletion.");
    case KeyState::kPendingReplicaDeletion:
      return Error(Code::kInvalidState, key.Arn() + " is pending replica deletion.");
    case KeyState::kPendingImport:
      if (use == KeyUse::kManage) return OkStatus();
      if (use == KeyUse::kRotationConfig) {
        return Error(Code::kUnsupportedOperation,
                     key.Arn() + " origin is EXTERNAL which is not valid for this operation.");
      }
      return Error(Code::kInvalidState, key.Arn() + " is pending import.");
    default:
      return Error(Code::kInvalidState,
                   key.Arn() + " is " + std::string(KeyStateName(state)) + ".");
  }
}

}  // namespace kms::keys
