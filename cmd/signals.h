// SIGINT/SIGTERM → a stop flag every loop polls; a second signal exits at once.
#pragma once

#include <atomic>

namespace edgewatch::cmd {

// Installs the handlers (idempotent) and returns the flag they set.
std::atomic<bool>& InstallStopSignals();

}  // namespace edgewatch::cmd
