#include "cmd/flags.h"

#include <cctype>
#include <cstdio>
#include <sstream>

#include "cmd/commands.h"

namespace edgewatch::cmd {

Flags::Flags(std::string command, std::string summary)
    : command_(std::move(command)), summary_(std::move(summary)) {}

void Flags::String(const std::string& name, std::string* target, const std::string& help,
                   const std::string& value_name) {
  specs_[name] = Spec{target, nullptr, nullptr, help, value_name};
  order_.push_back(name);
}

void Flags::List(const std::string& name, std::vector<std::string>* target, const std::string& help,
                 const std::string& value_name) {
  specs_[name] = Spec{nullptr, nullptr, target, help + " (repeatable)", value_name};
  order_.push_back(name);
}

void Flags::Bool(const std::string& name, bool* target, const std::string& help) {
  specs_[name] = Spec{nullptr, target, nullptr, help, ""};
  order_.push_back(name);
}

Result<std::vector<std::string>> Flags::Parse(int argc, char** argv, int first) {
  std::vector<std::string> positional;
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      help_ = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0 || arg == "--") {
      positional.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::string value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    auto it = specs_.find(name);
    if (it == specs_.end()) {
      return Err("unknown flag --" + name + " (see 'edgewatch " + command_ + " --help')");
    }
    Spec& spec = it->second;
    if (spec.boolean != nullptr) {
      if (has_value && value != "true" && value != "false") {
        return Err("flag --" + name + " takes true or false, not \"" + value + "\"");
      }
      *spec.boolean = !has_value || value == "true";
      continue;
    }
    if (!has_value) {
      if (i + 1 >= argc) return Err("flag --" + name + " needs a value (" + spec.value_name + ")");
      value = argv[++i];
    }
    if (spec.list != nullptr) {
      spec.list->push_back(value);
    } else {
      *spec.str = value;
    }
  }
  return positional;
}

std::string Flags::Usage() const {
  std::ostringstream out;
  out << "Usage: edgewatch " << command_ << " [flags]\n\n" << summary_ << "\n\nFlags:\n";
  for (const auto& name : order_) {
    const Spec& s = specs_.at(name);
    std::string left = "--" + name + (s.boolean ? "" : " " + s.value_name);
    out << "  " << left;
    for (size_t pad = left.size(); pad < 28; ++pad) out << ' ';
    out << " " << s.help;
    if (s.str && !s.str->empty()) out << " (default " << *s.str << ")";
    out << "\n";
  }
  out << "  --help                       this text\n";
  return out.str();
}

std::optional<int> Flags::ParseOrExit(int argc, char** argv, int first,
                                      std::vector<std::string>* positional) {
  auto pos = Parse(argc, argv, first);
  if (help_) {
    std::fputs(Usage().c_str(), stdout);
    return kExitOk;
  }
  if (!pos) return Fail(command_, kExitUsage, pos.error());
  if (positional != nullptr) *positional = std::move(*pos);
  return std::nullopt;
}

int Fail(const std::string& command, int code, const std::string& message) {
  std::fprintf(stderr, "edgewatch %s: %s\n", command.c_str(), message.c_str());
  return code;
}

Result<int64_t> ParseDurationFlag(const std::string& flag, const std::string& value) {
  size_t i = 0;
  while (i < value.size() && std::isdigit(static_cast<unsigned char>(value[i]))) ++i;
  std::string unit = value.substr(i);
  if (i == 0 || i > 12) {
    return Err("flag --" + flag + ": \"" + value + "\" is not a duration like 500ms, 1s or 2m");
  }
  int64_t n = std::stoll(value.substr(0, i));
  int64_t mult = unit == "ms"  ? 1'000'000LL
                 : unit == "s" ? 1'000'000'000LL
                 : unit == "m" ? 60'000'000'000LL
                               : 0;
  if (mult == 0) {
    return Err("flag --" + flag + ": \"" + value + "\" is not a duration like 500ms, 1s or 2m");
  }
  return n * mult;
}

}  // namespace edgewatch::cmd
