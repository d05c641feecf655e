// Secrets of receiver configurations (signing secrets, tokens, webhook URLs with a key in them):
// given literally, as a file (`<key>_file`, e.g. a Kubernetes secret volume) or as an
// environment variable (`<key>_env`). Resolved once, at receiver creation; and kept out of
// every log line and failure message by a SecretScrubber.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace edgewatch::alerting {

// At most one of the three is set.
struct SecretSource {
  std::string literal;  // the value itself
  std::string file;     // a file holding it; one trailing newline ("\n" or "\r\n") is trimmed
  std::string env;      // an environment variable holding it

  bool empty() const { return literal.empty() && file.empty() && env.empty(); }
};

// The secret's value; "" when `source` is empty (the caller decides whether it is required).
// `key` is the configuration key of the literal form, e.g. "alerting.receivers.dd.secret"; an
// error names the form that failed:
//   alerting.receivers.dd.secret_file: cannot read /x: No such file or directory
//   alerting.receivers.dd.secret_env: environment variable DD_SECRET is not set
// The value never appears in an error.
Result<std::string> ResolveSecret(const SecretSource& source, std::string_view key);

// A URL fit for a log line: scheme, host, port and path; the user info is dropped and a query
// string is replaced by "?<redacted>". With `hide_path` the path is "/<redacted>" too (Slack and
// Feishu put the token in the path). Text that is not a URL comes back as "<redacted URL>".
std::string RedactUrl(std::string_view url, bool hide_path = false);

// Replaces every occurrence of the secrets it was given by "<redacted>". Receivers pass every
// failure message through one before it leaves them.
class SecretScrubber {
 public:
  // Values shorter than 4 bytes are ignored (they would blank out ordinary words).
  void Add(std::string_view secret);
  // The URL itself, its user info and password, its query string, each query value and each
  // path segment of 16 bytes or more (webhook tokens).
  void AddUrl(std::string_view url);

  std::string Scrub(std::string text) const;

 private:
  std::vector<std::string> secrets_;  // longest first, so that a prefix does not win
};

}  // namespace edgewatch::alerting
