#include "sensor/dns_decoder.h"

#include <sys/socket.h>

namespace edgewatch::sensor {
namespace {

schema::DnsRcodeClass ClassOf(DnsRcode r) {
  switch (r) {
    case DnsRcode::kNoError:
      return schema::DnsRcodeClass::kNoError;
    case DnsRcode::kNxDomain:
      return schema::DnsRcodeClass::kNxDomain;
    case DnsRcode::kServFail:
      return schema::DnsRcodeClass::kServFail;
    case DnsRcode::kRefused:
      return schema::DnsRcodeClass::kRefused;
    case DnsRcode::kFormErr:
      return schema::DnsRcodeClass::kFormErr;
    case DnsRcode::kOther:
      break;
  }
  return schema::DnsRcodeClass::kOther;
}

std::array<uint8_t, 16> KeyIp(const DnsPacket& p, const std::array<uint8_t, 16>& ip) {
  if (p.family != AF_INET) return ip;
  const uint8_t v4[4] = {ip[0], ip[1], ip[2], ip[3]};
  return DnsTransactionKey::MapV4(v4);
}

}  // namespace

DnsDecoder::DnsDecoder(DnsTransactionTableConfig cfg, Sink sink, ContainerOf container_of)
    : table_(cfg), sink_(std::move(sink)), container_of_(std::move(container_of)) {}

void DnsDecoder::OnPacket(const DnsPacket& p, int64_t clock_offset_ns) {
  const bool query = p.egress && p.dst_port == 53;
  const bool answer = !p.egress && p.src_port == 53;
  if (!query && !answer) {
    server_side_.Add();  // a resolver on this node: its clients count their side
    return;
  }
  auto msg = ParseDnsMessage(p.payload, p.tcp);
  if (!msg) {
    parse_errors_[static_cast<size_t>(msg.error())].Add();
    return;
  }
  if (msg->is_response != answer) return;  // e.g. a query *from* port 53: not a client's
  DnsTransactionKey key;
  key.protocol = p.tcp ? DnsProtocol::kTcp : DnsProtocol::kUdp;
  key.id = msg->id;
  const int64_t ts = static_cast<int64_t>(p.ts_ns) + clock_offset_ns;
  if (query) {
    key.client_ip = KeyIp(p, p.src_ip);
    key.server_ip = KeyIp(p, p.dst_ip);
    key.client_port = p.src_port;
    key.server_port = p.dst_port;
    table_.OnQuery(key, msg->qname, msg->qtype, ts);
    if (clients_.size() >= 2 * table_.config().capacity) {
      clients_.clear();  // only after evictions by the table: its entries are gone anyway
      client_map_resets_.Add();
    }
    Client& c = clients_[key];
    if (c.ip.empty()) {
      c.ip = p.src_ip_string();
      c.server_ip = p.dst_ip_string();
      c.comm = p.comm;
      c.pid = p.pid;
      c.cgroup_id = p.cgroup_id;
      if (container_of_) c.container_id = container_of_(p.cgroup_id, p.pid);
    }
    return;
  }
  key.client_ip = KeyIp(p, p.dst_ip);
  key.server_ip = KeyIp(p, p.src_ip);
  key.client_port = p.dst_port;
  key.server_port = p.src_port;
  if (auto done = table_.OnResponse(key, msg->rcode, ts)) Report(*done, ts);
}

void DnsDecoder::Expire(int64_t now_ns) {
  expired_.clear();
  table_.Expire(now_ns, expired_);
  for (const DnsTransaction& t : expired_) Report(t, now_ns);
}

void DnsDecoder::Report(const DnsTransaction& t, int64_t time_ns) {
  auto it = clients_.find(t.key);
  if (it == clients_.end()) {
    client_unknown_.Add();  // its query's entry went in a reset: no edge to count it on
    return;
  }
  DnsOutcome o;
  o.time_ns = time_ns;
  o.server_port = t.key.server_port;
  o.tcp = t.key.protocol == DnsProtocol::kTcp;
  o.timed_out = t.timed_out;
  o.rcode = ClassOf(t.rcode);
  o.latency_us = t.timed_out ? 0 : static_cast<uint64_t>(t.latency_ns / 1000);
  o.client_ip = std::move(it->second.ip);
  o.server_ip = std::move(it->second.server_ip);
  o.comm = std::move(it->second.comm);
  o.container_id = std::move(it->second.container_id);
  o.pid = it->second.pid;
  o.cgroup_id = it->second.cgroup_id;
  o.client_port = t.key.client_port;
  o.id = t.key.id;
  o.name = t.name;
  o.qtype = t.qtype;
  o.type = DnsQtypeName(t.qtype);
  o.query_time_ns = t.query_ts_ns;
  clients_.erase(it);
  sink_(o);
}

void DnsDecoder::CollectStats(std::vector<StatSample>& out) const {
  table_.CollectStats(out);
  for (size_t i = 0; i < kDnsParseErrorCount; ++i) {
    out.push_back(Counter("edgewatch_sensor_dns_parse_errors_total",
                          "DNS payloads that did not decode, by reason.",
                          static_cast<double>(parse_errors_[i].Get()),
                          {{"reason", DnsParseErrorName(static_cast<DnsParseError>(i))}}));
  }
  out.push_back(Counter("edgewatch_sensor_dns_server_side_packets_total",
                        "DNS packets of resolvers on this node (their clients count them).",
                        static_cast<double>(server_side_.Get())));
  out.push_back(Counter("edgewatch_sensor_dns_client_unknown_total",
                        "Ended DNS transactions dropped: their client was forgotten in a reset.",
                        static_cast<double>(client_unknown_.Get())));
  out.push_back(Counter("edgewatch_sensor_dns_client_map_resets_total",
                        "Times the query → client map was cleared after table evictions.",
                        static_cast<double>(client_map_resets_.Get())));
}

}  // namespace edgewatch::sensor
