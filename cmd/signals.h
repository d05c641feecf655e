// SIGINT/SIGTERM → a stop flag every loop polls; a second signal exits at once. SIGHUP → reload.
#pragma once

#include <atomic>

namespace edgewatch::cmd {

// Installs the handlers (idempotent) and returns the flag they set.
std::atomic<bool>& InstallStopSignals();

// SIGHUP → a flag the detector loop takes (exchange(false)) to reload its rules.
std::atomic<bool>& InstallReloadSignal();

}  // namespace edgewatch::cmd
