// Receivers from the `receivers:` entries of the alerting config: each type's settings checked
// (unknown keys, types, durations) and handed to that receiver's Create(), whose own checks
// (URLs, secrets, templates) come back with the entry's position.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "alerting/config.h"
#include "alerting/receiver.h"
#include "alerting/secret.h"
#include "common/result.h"

namespace edgewatch::alerting {

// Reads typed settings of one receiver entry; errors are "<file:line:col>: receivers.<name>.
// <type>.<key>: <what>".
class SettingsReader {
 public:
  explicit SettingsReader(const ReceiverSpec& spec) : spec_(spec) {}

  // Error unless every key is in `allowed`.
  std::optional<Error> OnlyKeys(std::initializer_list<std::string_view> allowed) const;
  bool Has(const std::string& key) const { return spec_.settings.contains(key); }
  Result<std::string> String(const std::string& key, std::string fallback = "") const;
  Result<bool> Bool(const std::string& key, bool fallback) const;
  Result<uint64_t> Count(const std::string& key, uint64_t fallback) const;
  Result<std::chrono::milliseconds> Duration(const std::string& key,
                                             std::chrono::milliseconds fallback) const;
  Result<std::vector<std::string>> Strings(const std::string& key) const;
  Result<std::vector<std::pair<std::string, std::string>>> StringMap(const std::string& key) const;
  // `key`, `key_file`, `key_env`: at most one (SecretSource, resolved by the receiver).
  Result<SecretSource> Secret(const std::string& key) const;
  // "<count>/<duration>", e.g. "20/1m".
  Result<std::optional<RateLimit>> Rate(const std::string& key) const;

  // "<where>: receivers.<name>.<type>.<key>: <what>"
  Error Fail(const std::string& key, const std::string& what) const;
  // A receiver's own Create() error, placed at the entry.
  Error Placed(const std::string& error) const;

 private:
  const ReceiverSpec& spec_;
};

// For the types alerting/ does not build itself (kafka: cmd/ has the producer); nullopt when
// the type is not its either.
using ExtraReceiverFactory =
    std::function<std::optional<Result<std::unique_ptr<Receiver>>>(const ReceiverSpec& spec)>;

Result<std::vector<std::unique_ptr<Receiver>>> BuildReceivers(const AlertingConfig& config,
                                                              const ExtraReceiverFactory& extra);

}  // namespace edgewatch::alerting
