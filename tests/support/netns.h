// Test hosts for kernel-level tests: network namespaces joined by a veth pair, created by the
// test and removed in the destructor, plus helpers to run code inside them.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace edgewatch::testing {

// "client" and "server" namespaces, 10.77.0.2 (client) ↔ 10.77.0.1 (server) over veth.
class NetnsPair {
 public:
  // nullptr with `why` set when the machine cannot do it (not root, no `ip`).
  static std::unique_ptr<NetnsPair> Create(std::string* why);
  ~NetnsPair();

  const std::string& client_ns() const { return client_; }
  const std::string& server_ns() const { return server_; }
  std::string client_ip() const { return "10.77.0.2"; }
  std::string server_ip() const { return "10.77.0.1"; }

  // Runs a shell command inside `ns` (ip netns exec); returns its exit status.
  static int Exec(const std::string& ns, const std::string& command);
  // Inode of the namespace (what the probe reports as netns).
  static unsigned NetnsInode(const std::string& ns);
  // A /proc/net/netstat or /proc/net/snmp counter inside `ns`, e.g. ("TcpExt", "TCPSynRetrans").
  static long long NetstatCounter(const std::string& ns, const std::string& group,
                                  const std::string& name);

 private:
  NetnsPair() = default;
  std::string client_, server_;
};

// "client" → "nat" → "server" namespaces: 10.78.1.2 routes through the NAT namespace
// (10.78.1.1 | 10.78.2.1, forwarding on) to the server at 10.78.2.2. The NAT namespace
// MASQUERADEs TCP towards the server onto the port range given to Create — with a range of two
// ports, further connections collide in conntrack and time out (an SNAT port conflict).
class NatTriple {
 public:
  static std::unique_ptr<NatTriple> Create(int first_port, int last_port, std::string* why);
  ~NatTriple();

  const std::string& client_ns() const { return client_; }
  const std::string& nat_ns() const { return nat_; }
  const std::string& server_ns() const { return server_; }
  std::string nat_ns_path() const { return "/var/run/netns/" + nat_; }
  std::string client_ip() const { return "10.78.1.2"; }
  std::string server_ip() const { return "10.78.2.2"; }

 private:
  NatTriple() = default;
  std::string client_, nat_, server_;
};

// Forks a child that joins network namespace `ns`, names itself `comm` (what the kernel reports
// as the process name) and returns body()'s value as its exit status.
pid_t ForkInNetns(const std::string& ns, const std::string& comm, const std::function<int()>& body);

// Waits for a child; -1 on timeout (the child is then killed).
int WaitChild(pid_t pid, std::chrono::milliseconds timeout);

// Polls `pred` every 20ms until it is true or `timeout` passes.
bool WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout);

// Child-side helpers (async-signal-safe enough for a forked child: plain syscalls).
// Connects (IPv4, or IPv6 when `ip` has a ':') with TCP_SYNCNT `syn_retries` (0 = system default);
// returns errno (0 = connected, the socket left in *fd if fd != nullptr, otherwise closed).
int TcpConnect(const std::string& ip, int port, int syn_retries, int* fd = nullptr);
// Listening socket on ip:port (port 0 = any); returns fd or -errno.
int TcpListen(const std::string& ip, int port);

bool IsRoot();

}  // namespace edgewatch::testing
