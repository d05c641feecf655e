#include "rules/loader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <utility>

namespace edgewatch::rules {
namespace {

namespace fs = std::filesystem;

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

bool HasRuleExtension(const fs::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml";
}

}  // namespace

Result<RuleSet> LoadRuleFile(const std::string& path) {
  // Rule files are small; a huge one is a wrong path (a log, a binary) and would only produce
  // a huge error.
  constexpr std::streamsize kMaxBytes = 4 << 20;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Err(path + ": cannot open rule file: " + std::strerror(errno));
  }
  std::string text(static_cast<size_t>(kMaxBytes) + 1, '\0');
  in.read(text.data(), kMaxBytes + 1);
  if (in.bad()) {
    return Err(path + ": cannot read rule file: " + std::strerror(errno));
  }
  if (in.gcount() > kMaxBytes) {
    return Err(path + ": rule file larger than 4 MiB; split it or check the path");
  }
  text.resize(static_cast<size_t>(in.gcount()));
  return ParseRuleFile(text, path);
}

Result<std::vector<std::string>> ListRuleFiles(const std::string& path) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) {
    return Err(path + ": no such rule file or directory");
  }
  if (!fs::is_directory(st)) {
    return std::vector<std::string>{path};
  }

  std::vector<std::string> files;
  fs::directory_iterator it(path, ec);
  if (ec) {
    return Err(path + ": cannot list directory: " + ec.message());
  }
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) {
      return Err(path + ": cannot list directory: " + ec.message());
    }
    const fs::path& p = it->path();
    const std::string name = p.filename().string();
    if (name.empty() || name[0] == '.' || !HasRuleExtension(p)) {
      continue;
    }
    std::error_code fec;
    if (!fs::is_regular_file(it->status(fec)) || fec) {
      continue;
    }
    files.push_back(p.string());
  }
  if (files.empty()) {
    return Err(path + ": no rule files (*.yaml, *.yml) in this directory");
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string RuleNameIndex::Add(const RuleSet& set) {
  std::string errors;
  for (const Rule& r : set.rules) {
    const std::string where = Where(r.file, r.at);
    auto [it, inserted] = where_.emplace(std::make_pair(r.business_system, r.name), where);
    if (!inserted) {
      if (!errors.empty()) {
        errors += '\n';
      }
      errors += where + ": name: " + Quote(r.name) + " of business system " +
                Quote(r.business_system) + " is already defined at " + it->second;
    }
  }
  return errors;
}

Result<RuleSet> LoadRules(const std::string& path) {
  auto files = ListRuleFiles(path);
  if (!files.ok()) {
    return Err(files.error());
  }
  RuleSet all;
  RuleNameIndex names;
  std::string errors;
  for (const std::string& file : *files) {
    auto set = LoadRuleFile(file);
    std::string file_errors = set.ok() ? names.Add(*set) : set.error();
    if (!file_errors.empty()) {
      if (!errors.empty()) {
        errors += '\n';
      }
      errors += file_errors;
      continue;
    }
    all.Append(std::move(*set));
  }
  if (!errors.empty()) {
    return Err(errors);
  }
  return all;
}

}  // namespace edgewatch::rules
