// Loading the one YAML document of a rule file, with the guards yaml-cpp 0.7 needs. Internal to
// rules/ (it exposes yaml-cpp types, which rules/ links privately).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>

namespace edgewatch::rules {

struct YamlDocument {
  YAML::Node root;     // null for an empty file (only blank lines and comments)
  int error_line = 0;  // 1-based, when error is set
  std::string error;   // "" on success

  bool ok() const { return error.empty(); }
};

// Loads the first document of `text` and checks that no second document with content
// follows. Never throws: YAML syntax errors come back as `error` with the line, including
// malformed input for which yaml-cpp yields an empty document instead of an error.
YamlDocument LoadSingleYamlDocument(std::string_view text);

}  // namespace edgewatch::rules
