// Alert fingerprints: 16 lowercase hex digits of the 64-bit FNV-1a hash of the alert's labels,
// sorted by name, each name and value followed by a 0xff byte (a byte that cannot occur in
// UTF-8, so "a"="bc" and "ab"="c" differ). Labels identify (rule, edge), so the fingerprint is
// stable across restarts and detector instances. Documented in docs/rules.md; consumers may
// rely on it — do not change the recipe.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace edgewatch::detector {

uint64_t Fnv1a64(const std::map<std::string, std::string>& sorted_labels);
std::string Fingerprint(const std::map<std::string, std::string>& sorted_labels);

}  // namespace edgewatch::detector
