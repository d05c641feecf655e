#include "detector/evidence_index.h"

#include <gtest/gtest.h>

namespace edgewatch::detector {
namespace {

schema::EvidenceEvent Ev(const std::string& id, int64_t t) {
  schema::EvidenceEvent e;
  e.id = id;
  e.time_ns = t;
  return e;
}

TEST(EvidenceIndex, FifoEviction) {
  EvidenceIndex idx(2);
  EXPECT_EQ(idx.Add(Ev("a", 1)), EvidenceIndex::AddResult::kAdded);
  EXPECT_EQ(idx.Add(Ev("b", 2)), EvidenceIndex::AddResult::kAdded);
  EXPECT_EQ(idx.Add(Ev("c", 3)), EvidenceIndex::AddResult::kAddedEvicting);
  EXPECT_EQ(idx.size(), 2u);
  EXPECT_EQ(idx.Find("a"), nullptr);
  ASSERT_NE(idx.Find("b"), nullptr);
  EXPECT_EQ(idx.Find("b")->time_ns, 2);
  EXPECT_EQ(idx.Find("c")->time_ns, 3);
}

TEST(EvidenceIndex, DuplicateIdKeepsTheFirst) {
  EvidenceIndex idx(4);
  idx.Add(Ev("a", 1));
  EXPECT_EQ(idx.Add(Ev("a", 9)), EvidenceIndex::AddResult::kDuplicate);
  EXPECT_EQ(idx.size(), 1u);
  EXPECT_EQ(idx.Find("a")->time_ns, 1);
}

TEST(EvidenceIndex, ZeroCapacityHoldsNothing) {
  EvidenceIndex idx(0);
  EXPECT_EQ(idx.Add(Ev("a", 1)), EvidenceIndex::AddResult::kDisabled);
  EXPECT_EQ(idx.Find("a"), nullptr);
}

}  // namespace
}  // namespace edgewatch::detector
