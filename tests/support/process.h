// Running the edgewatch binary as a child process in tests.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace edgewatch::testing {

class ChildProcess {
 public:
  // Starts `argv` (argv[0] searched in PATH) with stdout and stderr to files in a fresh temp dir.
  explicit ChildProcess(std::vector<std::string> argv);
  ~ChildProcess();  // kills the child if it still runs

  pid_t pid() const { return pid_; }
  std::string Stdout() const;
  std::string Stderr() const;
  // Sends `sig` and waits; the exit code, 128+signal, or -1 on timeout.
  int Signal(int sig, std::chrono::milliseconds timeout);
  int Wait(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  std::string dir_;
  int status_ = -1;
};

// A fresh temporary directory (removed by the caller with RemoveTree if wanted).
std::string MakeTempDir();
void WriteFile(const std::string& path, const std::string& text);
std::string ReadFile(const std::string& path);

// Path of the built edgewatch binary.
inline std::string EdgewatchBinary() { return EDGEWATCH_BINARY; }

}  // namespace edgewatch::testing
