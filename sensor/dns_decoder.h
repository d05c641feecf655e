// DNS packets → transactions → per-edge DNS counts. Sits between DnsSource (the kernel's
// copies of UDP/TCP port 53 payloads) and the EdgeAggregator; plain class, so it is testable
// with synthetic packets.
//
// Only the client side is counted: a query the local host sends (egress to port 53) and the
// answer it gets (ingress from port 53). A resolver running on the node sees the mirror image
// (ingress to 53, egress from 53), which is left out so one transaction is not counted twice
// when client and resolver share the node.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/stats.h"
#include "sensor/dns_message.h"
#include "sensor/dns_source.h"
#include "sensor/dns_transaction_table.h"
#include "sensor/edge_aggregator.h"

namespace edgewatch::sensor {

class DnsDecoder : public StatsSource {
 public:
  using Sink = std::function<void(const DnsOutcome&)>;
  // `container_of(cgroup_id, pid)` names the container of a client ("" when none).
  using ContainerOf = std::function<std::string(uint64_t cgroup_id, uint32_t pid)>;

  DnsDecoder(DnsTransactionTableConfig cfg, Sink sink, ContainerOf container_of = nullptr);

  // `clock_offset_ns` turns the packet's CLOCK_MONOTONIC time into unix time.
  void OnPacket(const DnsPacket& p, int64_t clock_offset_ns);
  // Reports the queries unanswered for longer than the timeout; `now_ns` is unix time.
  void Expire(int64_t now_ns);

  size_t outstanding() const { return table_.outstanding(); }
  void CollectStats(std::vector<StatSample>& out) const override;

 private:
  struct Client {
    std::string ip;
    std::string comm;
    std::string container_id;
    std::string server_ip;
    uint32_t pid = 0;
    uint64_t cgroup_id = 0;
  };
  void Report(const DnsTransaction& t, int64_t time_ns);

  DnsTransactionTable table_;
  Sink sink_;
  ContainerOf container_of_;
  // Who asked, by transaction: what the edge needs and the table does not keep. Bounded by
  // the table's capacity (entries of evicted queries are dropped when it overflows).
  std::unordered_map<DnsTransactionKey, Client, DnsTransactionKeyHash> clients_;
  std::vector<DnsTransaction> expired_;
  StatCounter parse_errors_[kDnsParseErrorCount];
  StatCounter server_side_;
  StatCounter client_map_resets_;
  StatCounter client_unknown_;
};

}  // namespace edgewatch::sensor
