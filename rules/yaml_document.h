// Loading the one YAML document of a rule file, with the guards yaml-cpp 0.7 needs. Internal to
// rules/ (it exposes yaml-cpp types, which rules/ links privately).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>

#include "rules/text_position.h"

namespace edgewatch::rules {

// The 1-based position of a yaml-cpp mark (which is 0-based), or `fallback` when it has none.
TextPosition PositionOf(const YAML::Mark& mark, TextPosition fallback = {1, 1});
TextPosition PositionOf(const YAML::Node& node, TextPosition fallback = {1, 1});

// Where the value of a mapping entry starts. yaml-cpp places an implicit null value (`key:`
// with nothing after it) at the token that follows, often on the next line, so a null value
// is placed at its key.
TextPosition ValuePosition(const YAML::Node& key, const YAML::Node& value);

struct YamlDocument {
  YAML::Node root;        // null for an empty file (only blank lines and comments)
  TextPosition error_at;  // when error is set
  std::string error;      // "" on success

  bool ok() const { return error.empty(); }
};

// Loads the first document of `text` and checks that no second document with content
// follows. Never throws: YAML syntax errors come back as `error` with the position, including
// malformed input for which yaml-cpp yields an empty document instead of an error.
YamlDocument LoadSingleYamlDocument(std::string_view text);

}  // namespace edgewatch::rules
