#include "detector/fingerprint.h"

#include <gtest/gtest.h>

namespace edgewatch::detector {
namespace {

TEST(Fingerprint, KnownValues) {
  // Computed independently (FNV-1a 64 with the published constants over "a\xffb\xff" etc.).
  // Changing the recipe breaks consumers that stored fingerprints: these must not move.
  EXPECT_EQ(Fingerprint({}), "cbf29ce484222325");  // the offset basis
  EXPECT_EQ(Fnv1a64({}), 0xcbf29ce484222325ULL);
  EXPECT_EQ(Fingerprint({{"a", "b"}}), "d2b371819297f98a");
  EXPECT_EQ(Fingerprint({{"server", "10.0.0.5:8080"}, {"alertname", "ConnectRefused"}}),
            "5b734da681625ba5");
}

TEST(Fingerprint, SeparatorAvoidsAmbiguity) {
  EXPECT_NE(Fingerprint({{"a", "bc"}}), Fingerprint({{"ab", "c"}}));
  EXPECT_NE(Fingerprint({{"a", ""}, {"b", "c"}}), Fingerprint({{"a", "b"}, {"c", ""}}));
}

TEST(Fingerprint, AnyLabelChangesIt) {
  const std::map<std::string, std::string> base = {{"alertname", "A"}, {"node", "n1"}};
  auto other = base;
  other["node"] = "n2";
  EXPECT_NE(Fingerprint(base), Fingerprint(other));
}

}  // namespace
}  // namespace edgewatch::detector
