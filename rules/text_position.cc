#include "rules/text_position.h"

namespace edgewatch::rules {

std::string Where(std::string_view path, TextPosition at) {
  return std::string(path) + ":" + std::to_string(at.line) + ":" + std::to_string(at.column);
}

}  // namespace edgewatch::rules
