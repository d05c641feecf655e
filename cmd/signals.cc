#include "cmd/signals.h"

#include <signal.h>
#include <unistd.h>

namespace edgewatch::cmd {

namespace {
std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free);

std::atomic<bool> g_reload{false};

void OnHangup(int) { g_reload.store(true); }

void OnSignal(int) {
  if (g_stop.exchange(true)) _exit(130);  // second signal: the user really wants out
}
}  // namespace

std::atomic<bool>& InstallStopSignals() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return g_stop;
}

std::atomic<bool>& InstallReloadSignal() {
  struct sigaction sa {};
  sa.sa_handler = OnHangup;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGHUP, &sa, nullptr);
  return g_reload;
}

}  // namespace edgewatch::cmd
