// Matches DNS responses to the queries they answer and times out the ones left unanswered.
// Plain class: no kernel, no clock (timestamps come from the events), single consumer thread;
// CollectStats may be called from another thread.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/stats.h"
#include "sensor/dns_message.h"

namespace edgewatch::sensor {

enum class DnsProtocol : uint8_t { kTcp = 6, kUdp = 17 };  // the IPPROTO_* numbers

// One DNS exchange as seen from the wire: the query's source is the client. IPv4 addresses are
// held IPv4-mapped (::ffff:a.b.c.d) so that both families share one 16-byte form.
struct DnsTransactionKey {
  std::array<uint8_t, 16> client_ip{};
  std::array<uint8_t, 16> server_ip{};
  uint16_t client_port = 0;
  uint16_t server_port = 0;
  uint16_t id = 0;  // the DNS header id
  DnsProtocol protocol = DnsProtocol::kUdp;

  bool operator==(const DnsTransactionKey&) const = default;

  // `v4` in network byte order, as in struct in_addr.
  static std::array<uint8_t, 16> MapV4(const uint8_t (&v4)[4]);
};

struct DnsTransactionKeyHash {
  size_t operator()(const DnsTransactionKey& key) const noexcept;
};

// A query answered (OnResponse) or given up on (Expire).
struct DnsTransaction {
  DnsTransactionKey key;
  std::string name;
  uint16_t qtype = 0;
  DnsRcode rcode = DnsRcode::kNoError;  // meaningless when timed_out
  bool timed_out = false;
  int64_t query_ts_ns = 0;  // the first transmission's
  int64_t latency_ns = 0;   // response − first query; for a timeout, expiry time − first query
};

struct DnsTransactionTableConfig {
  // A query unanswered this long after its first transmission is reported as timed out.
  int64_t timeout_ns = 2'000'000'000;
  // Outstanding queries held at most; beyond it the oldest is evicted (counted, not reported).
  size_t capacity = 65536;

  // Checks ranges; the error names the key under `sensor.dns.`.
  std::optional<Error> Validate() const;
};

class DnsTransactionTable : public StatsSource {
 public:
  // `cfg` must have passed Validate().
  explicit DnsTransactionTable(DnsTransactionTableConfig cfg);

  // Records a query. A query whose key is outstanding already is a retransmission: counted,
  // and the first transmission's name, type and time are kept.
  void OnQuery(const DnsTransactionKey& key, std::string_view name, uint16_t qtype, int64_t ts_ns);

  // The transaction this response completes, or nullopt (counted) when no query with its key
  // is outstanding: never seen, already answered, timed out or evicted.
  std::optional<DnsTransaction> OnResponse(const DnsTransactionKey& key, DnsRcode rcode,
                                           int64_t ts_ns);

  // Appends to `timed_out` every query outstanding for at least the timeout at `now_ns`, oldest
  // first, and forgets them.
  void Expire(int64_t now_ns, std::vector<DnsTransaction>& timed_out);

  size_t outstanding() const { return entries_.size(); }
  const DnsTransactionTableConfig& config() const { return cfg_; }

  void CollectStats(std::vector<StatSample>& out) const override;

 private:
  // Ordered by first-query time, then arrival, so the oldest is first even when ring-buffer
  // events from different CPUs arrive slightly out of order.
  using OrderKey = std::pair<int64_t, uint64_t>;
  struct Entry {
    std::string name;
    uint16_t qtype = 0;
    OrderKey order;
  };
  using EntryMap = std::unordered_map<DnsTransactionKey, Entry, DnsTransactionKeyHash>;

  void Erase(EntryMap::iterator it);

  DnsTransactionTableConfig cfg_;
  EntryMap entries_;
  std::map<OrderKey, DnsTransactionKey> by_age_;
  uint64_t arrival_seq_ = 0;

  StatCounter queries_;
  StatCounter retransmits_;
  std::array<StatCounter, kDnsRcodeCount> responses_by_rcode_;  // indexed by DnsRcode
  StatCounter unmatched_;
  StatCounter timeouts_;
  StatCounter evicted_;
  std::atomic<size_t> outstanding_gauge_{0};  // entries_.size() for scrapes from other threads
};

}  // namespace edgewatch::sensor
