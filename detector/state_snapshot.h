// Learned per-edge state that survives a restart: the baselines of every (rule, edge), as the
// detector saves them (Detector::SaveStates) and takes them back (Detector::LoadStates).
//
// Encoded form (a snapshot file in embedded mode, docs/baselines.md):
//   "EWSTATE1"  magic and format version (8 bytes)
//   u64         layout signature (kStateLayout): state written by a build with other struct
//               layouts or byte order is refused as a whole rather than misread
//   i64         saved_at_ns
//   u32         entry count, then per entry:
//                 bytes edge key (node, edge), bytes rule key (file, name),
//                 u64 FNV-1a of the rule's definition, bytes condition state
//   u64         FNV-1a of everything before it
// (bytes = u32 length + that many bytes; numbers in host byte order.)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace edgewatch::detector {

struct StateSnapshot {
  struct Entry {
    std::string edge_key;  // Detector's state key: node, 0x1f, the edge's key
    std::string rule_key;  // rule file, 0x1f, rule name
    uint64_t definition_hash = 0;
    std::string state;  // Condition::SaveState
  };
  int64_t saved_at_ns = 0;
  std::vector<Entry> entries;

  std::string Encode() const;
  // What is wrong and at which byte offset, for a truncated, corrupt or foreign input.
  static Result<StateSnapshot> Decode(std::string_view bytes);

  // Writes `path` atomically (a temporary file in the same folder, fsync, rename), so a crash
  // leaves the previous snapshot or the new one, never half of one.
  Result<size_t> WriteFile(const std::string& path) const;
  // A missing file is an empty snapshot (first start); a broken one is an error naming it.
  static Result<StateSnapshot> ReadFile(const std::string& path);
};

uint64_t DefinitionHash(std::string_view definition);

}  // namespace edgewatch::detector
