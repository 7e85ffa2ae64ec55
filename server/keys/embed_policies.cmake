# Writes OUT: a C++ file defining the policy documents of DIR as string constants.
set(content "// Generated from policies/ by embed_policies.cmake. Do not edit.\n#include \"kms/server/keys/key_service.h\"\n\nnamespace kms::keys::internal {\n")
foreach(pair "kDefaultKeyPolicy=default-key-policy.json" "kAwsManagedRdsPolicy=aws-managed-rds.json"
             "kAwsManagedEbsPolicy=aws-managed-ebs.json")
  string(REPLACE "=" ";" parts "${pair}")
  list(GET parts 0 name)
  list(GET parts 1 file)
  file(READ "${DIR}/${file}" text)
  string(REGEX REPLACE "\n$" "" text "${text}")
  string(APPEND content "extern const char* const ${name};\nconst char* const ${name} = R\"KMSJSON(${text})KMSJSON\";\n")
endforeach()
string(APPEND content "}  // namespace kms::keys::internal\n")
file(WRITE "${OUT}.tmp" "${content}")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUT}.tmp" "${OUT}")
