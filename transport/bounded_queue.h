// BoundedQueue<T>: the in-process transport of `edgewatch run` (sensor → detector → alerting).
// Multi-producer, multi-consumer, fixed capacity. A full queue never blocks the producer: the
// item is dropped and counted, so a slow detector cannot stall the ring-buffer reader.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>

#include "common/stats.h"

namespace edgewatch::transport {

template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity) {}

  // Returns false (and counts a drop) when the queue is full or closed.
  bool TryPush(T item) {
    {
      std::lock_guard lock(mu_);
      if (closed_ || items_.size() >= capacity_) {
        dropped_.Add();
        return false;
      }
      items_.push_back(std::move(item));
    }
    pushed_.Add();
    cv_.notify_one();
    return true;
  }

  // Waits up to `timeout` for an item. Returns nullopt on timeout or when closed and drained.
  std::optional<T> Pop(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return !items_.empty() || closed_; });
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    return item;
  }

  // After Close() pushes fail; Pop() drains what is left and then returns nullopt at once.
  void Close() {
    {
      std::lock_guard lock(mu_);
      closed_ = true;
    }
    cv_.notify_all();
  }

  bool Closed() const {
    std::lock_guard lock(mu_);
    return closed_ && items_.empty();
  }

  size_t Size() const {
    std::lock_guard lock(mu_);
    return items_.size();
  }
  uint64_t Pushed() const { return pushed_.Get(); }
  uint64_t Dropped() const { return dropped_.Get(); }

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<T> items_;
  bool closed_ = false;
  StatCounter pushed_;
  StatCounter dropped_;
};

}  // namespace edgewatch::transport
