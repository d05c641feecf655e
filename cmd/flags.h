// A small command-line flag parser: `--name value`, `--name=value`, boolean `--name`,
// generated --help. Unknown flags and missing values are errors that name the flag.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace edgewatch::cmd {

class Flags {
 public:
  Flags(std::string command, std::string summary);

  void String(const std::string& name, std::string* target, const std::string& help,
              const std::string& value_name = "VALUE");
  void Bool(const std::string& name, bool* target, const std::string& help);
  // A flag that may be given many times; each value is appended to `target`.
  void List(const std::string& name, std::vector<std::string>* target, const std::string& help,
            const std::string& value_name = "VALUE");

  // Parses argv[first..]; positional arguments are returned. "--help"/"-h" sets help_requested().
  Result<std::vector<std::string>> Parse(int argc, char** argv, int first);
  bool help_requested() const { return help_; }
  std::string Usage() const;

  // Parse() for a command's main: prints --help (exit code 0) or the error (exit code 2) and
  // returns the code to exit with; nullopt to go on. Positional arguments go to `positional`.
  std::optional<int> ParseOrExit(int argc, char** argv, int first,
                                 std::vector<std::string>* positional = nullptr);

 private:
  struct Spec {
    std::string* str = nullptr;
    bool* boolean = nullptr;
    std::vector<std::string>* list = nullptr;
    std::string help;
    std::string value_name;
  };
  std::string command_;
  std::string summary_;
  std::map<std::string, Spec> specs_;
  std::vector<std::string> order_;
  bool help_ = false;
};

// Prints "edgewatch <command>: <message>" to stderr and returns `code`.
int Fail(const std::string& command, int code, const std::string& message);

// "1s", "500ms", "2m" → ns; error names the flag.
Result<int64_t> ParseDurationFlag(const std::string& flag, const std::string& value);

}  // namespace edgewatch::cmd
