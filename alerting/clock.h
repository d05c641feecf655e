// Clock: the time source of alert delivery. Backoff waits go through it so that tests can run a
// retry schedule of minutes in microseconds with a fake that jumps ahead instead of sleeping.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>

namespace edgewatch::alerting {

class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  using Duration = std::chrono::steady_clock::duration;

  virtual ~Clock() = default;

  virtual TimePoint Now() const = 0;

  // Waits on `cv` (with `lock` held on entry and on return) until `wake()` is true or Now()
  // reaches `until`. Returns wake(). Spurious wake-ups are handled here, not by the caller.
  virtual bool WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                         TimePoint until, const std::function<bool()>& wake) = 0;
};

// std::chrono::steady_clock and condition_variable::wait_until.
class SystemClock final : public Clock {
 public:
  // Process-wide instance; stateless, so sharing it is safe.
  static SystemClock& Get();

  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  bool WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, TimePoint until,
                 const std::function<bool()>& wake) override {
    return cv.wait_until(lock, until, wake);
  }
};

}  // namespace edgewatch::alerting
