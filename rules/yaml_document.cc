#include "rules/yaml_document.h"

#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <optional>
#include <sstream>
#include <string>

namespace edgewatch::rules {
namespace {

// Counts the documents of a stream that have content. Used instead of YAML::LoadAll, which in
// yaml-cpp 0.7 loops forever, allocating, on some malformed input such as a line starting
// with "," (jbeder/yaml-cpp#1040, fixed upstream by #1319 after 0.8): the caller stops after
// two documents, so a broken stream cannot take the process down.
class DocumentCounter final : public YAML::EventHandler {
 public:
  bool has_content() const { return content_; }
  TextPosition start() const { return start_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    content_ = false;
    start_ = PositionOf(mark);
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override { content_ = true; }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {
    content_ = true;
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    content_ = true;
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    content_ = true;
  }
  void OnMapEnd() override {}

 private:
  bool content_ = false;
  TextPosition start_{1, 1};
};

// Start of the second document with content, or nullopt when there is none. Throws
// YAML::Exception on syntax errors anywhere in the stream.
std::optional<TextPosition> SecondDocument(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentCounter counter;
  int with_content = 0;
  for (int i = 0; i < 2 && parser.HandleNextDocument(counter); ++i) {
    if (counter.has_content() && ++with_content == 2) {
      return counter.start();
    }
  }
  return std::nullopt;
}

// Where the first line that is not blank, a comment or a document marker starts (its first
// character that is not a space or tab); nullopt if there is none.
std::optional<TextPosition> FirstContent(std::string_view text) {
  int line = 0;
  while (!text.empty()) {
    ++line;
    const size_t eol = text.find('\n');
    std::string_view l = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    const size_t indent = std::min(l.find_first_not_of(" \t"), l.size());
    l.remove_prefix(indent);
    while (!l.empty() && (l.back() == ' ' || l.back() == '\t' || l.back() == '\r')) {
      l.remove_suffix(1);
    }
    if (!l.empty() && l.front() != '#' && l != "---" && l != "..." && l != "~" && l != "null") {
      return TextPosition{line, static_cast<int>(indent) + 1};
    }
  }
  return std::nullopt;
}

}  // namespace

TextPosition PositionOf(const YAML::Mark& mark, TextPosition fallback) {
  return mark.is_null() ? fallback : TextPosition{mark.line + 1, mark.column + 1};
}

TextPosition PositionOf(const YAML::Node& node, TextPosition fallback) {
  return PositionOf(node.Mark(), fallback);
}

TextPosition ValuePosition(const YAML::Node& key, const YAML::Node& value) {
  const TextPosition key_at = PositionOf(key);
  return value.IsNull() ? key_at : PositionOf(value, key_at);
}

YamlDocument LoadSingleYamlDocument(std::string_view text) {
  YamlDocument doc;
  try {
    const std::string input(text);
    doc.root = YAML::Load(input);
    if (doc.root.IsNull()) {
      // yaml-cpp 0.7 yields an empty document for some malformed input instead of an error.
      if (const std::optional<TextPosition> at = FirstContent(text)) {
        doc.error_at = *at;
        doc.error = "YAML syntax error: no document could be read from here on";
      }
      return doc;
    }
    if (const std::optional<TextPosition> at = SecondDocument(input)) {
      doc.error_at = *at;
      doc.error = "more than one YAML document; use one file per business system";
    }
  } catch (const YAML::Exception& e) {
    doc.error_at = PositionOf(e.mark);
    doc.error = "YAML syntax error: " + e.msg;
    if (e.msg.find("block scalar") != std::string::npos) {
      doc.error += " (operators such as >= must be quoted: comparison: \">=\")";
    }
  }
  return doc;
}

}  // namespace edgewatch::rules
