#include "alerting/stdout_receiver.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "schema/codec.h"

namespace edgewatch::alerting {
namespace {

schema::Alert MakeAlert(int i) {
  schema::Alert a;
  a.fingerprint = "00000000000000" + std::to_string(10 + i);
  a.rule = "connect_refused_burst";
  a.severity = "critical";
  a.labels = {{"alertname", "connect_refused_burst"}, {"severity", "critical"}};
  a.annotations = {{"summary", "line one\nline two \"quoted\""}};  // must stay on one line
  a.value = 12;
  a.threshold = 5;
  return a;
}

NotificationBatch Batch(std::vector<schema::Alert> alerts) {
  auto n = std::make_shared<Notification>();
  n->alerts = std::move(alerts);
  return {n};
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

TEST(StdoutReceiverTest, WritesOneEncodedAlertPerLineToAStream) {
  std::ostringstream out;
  StdoutReceiver receiver("stdout", out);
  EXPECT_EQ(receiver.name(), "stdout");
  ASSERT_TRUE(receiver.Deliver(Batch({MakeAlert(1)})).ok());
  ASSERT_TRUE(receiver.Deliver(Batch({MakeAlert(2)})).ok());
  EXPECT_EQ(out.str(), schema::Encode(MakeAlert(1)) + "\n" + schema::Encode(MakeAlert(2)) + "\n");
}

TEST(StdoutReceiverTest, WritesAndFlushesToAFile) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  StdoutReceiver receiver("stdout", file);
  ASSERT_TRUE(receiver.Deliver(Batch({MakeAlert(1)})).ok());

  // Read back through the descriptor: what fflush has pushed out, not the stdio buffer.
  std::string want = schema::Encode(MakeAlert(1)) + "\n";
  std::string got(want.size() + 16, '\0');
  const ssize_t n = pread(fileno(file), got.data(), got.size(), 0);
  ASSERT_GE(n, 0);
  got.resize(static_cast<size_t>(n));
  EXPECT_EQ(got, want);
  std::fclose(file);
}

TEST(StdoutReceiverTest, ConcurrentDeliveriesNeverInterleaveLines) {
  std::ostringstream out;
  StdoutReceiver receiver("stdout", out);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&receiver, t] {
      for (int i = 0; i < kPerThread; ++i) {
        EXPECT_TRUE(receiver.Deliver(Batch({MakeAlert(t)})).ok());
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }

  std::set<std::string> valid;
  for (int t = 0; t < kThreads; ++t) {
    valid.insert(schema::Encode(MakeAlert(t)));
  }
  const std::vector<std::string> lines = Lines(out.str());
  ASSERT_EQ(lines.size(), static_cast<size_t>(kThreads * kPerThread));
  for (const auto& line : lines) {
    EXPECT_EQ(valid.count(line), 1u) << line;
  }
}

TEST(StdoutReceiverTest, FailedWriteIsRetryableAndTheNextLineStartsClean) {
  std::FILE* full = std::fopen("/dev/full", "w");
  if (full == nullptr) {
    GTEST_SKIP() << "/dev/full not available";
  }
  StdoutReceiver receiver("stdout", full);
  const DeliveryStatus status = receiver.Deliver(Batch({MakeAlert(1)}));
  EXPECT_FALSE(status.ok());
  EXPECT_TRUE(status.retryable());
  EXPECT_NE(status.message().find("write failed"), std::string::npos) << status.message();
  std::fclose(full);
}

TEST(StdoutReceiverTest, BrokenStreamIsRetryableAndRecovers) {
  std::ostringstream sink;
  std::ostream out(nullptr);  // no buffer: every write fails
  StdoutReceiver receiver("stdout", out);
  const DeliveryStatus status = receiver.Deliver(Batch({MakeAlert(1)}));
  EXPECT_TRUE(status.retryable()) << status.message();

  out.rdbuf(sink.rdbuf());  // the output comes back
  ASSERT_TRUE(receiver.Deliver(Batch({MakeAlert(1)})).ok());
  // The line is preceded by a newline that ends whatever part of the failed line went out.
  EXPECT_EQ(sink.str(), "\n" + schema::Encode(MakeAlert(1)) + "\n");
  ASSERT_TRUE(receiver.Deliver(Batch({MakeAlert(2)})).ok());
  EXPECT_EQ(Lines(sink.str()).back(), schema::Encode(MakeAlert(2)));
}

TEST(StdoutReceiverTest, EveryAlertOfEveryNotificationIsALine) {
  std::ostringstream out;
  StdoutReceiver receiver("stdout", out);
  NotificationBatch batch = Batch({MakeAlert(1), MakeAlert(2)});
  NotificationBatch second = Batch({MakeAlert(3)});
  batch.push_back(second[0]);
  ASSERT_TRUE(receiver.Deliver(batch).ok());
  EXPECT_EQ(out.str(), schema::Encode(MakeAlert(1)) + "\n" + schema::Encode(MakeAlert(2)) + "\n" +
                           schema::Encode(MakeAlert(3)) + "\n");
  ASSERT_TRUE(receiver.Deliver(Batch({})).ok());  // nothing to write
  EXPECT_EQ(Lines(out.str()).size(), 3u);
}

}  // namespace
}  // namespace edgewatch::alerting
