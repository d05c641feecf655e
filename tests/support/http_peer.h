// HTTP peers for kernel-level tests: nginx in a test namespace with locations that answer
// known statuses (and one slow one), and a small HTTP/1.1 client for forked children that
// moves its bytes with the syscall the test chooses.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

namespace edgewatch::testing {

// nginx (Debian's nginx-light, with its echo module) on ip:port inside namespace `ns`:
//   /ok → 200 "ok", /missing → 404, /boom → 500, /busy → 503,
//   /slow → 200 after `slow_ms` (echo_sleep), /static → 200 from a file (sendfile).
class NginxPeer {
 public:
  // nullptr with `why` set when nginx cannot run (not installed, did not listen).
  static std::unique_ptr<NginxPeer> Start(const std::string& ns, const std::string& ip, int port,
                                          int slow_ms, std::string* why);
  ~NginxPeer();  // stops nginx and removes its directory
  NginxPeer(const NginxPeer&) = delete;
  NginxPeer& operator=(const NginxPeer&) = delete;

  bool Stop();  // SIGQUIT-free fast stop (SIGTERM) with a bounded wait; true when it exited

 private:
  NginxPeer() = default;
  pid_t pid_ = -1;
  std::string dir_;
};

// How the client moves its bytes: which syscall pair the probe must follow.
enum class HttpIo { kSendRecv, kWriteRead, kWritevReadv, kSendmsgRecvmsg };

// Child side. Sends "GET <path> HTTP/1.1" on connected socket `fd` with the given
// traceparent / X-Request-ID headers ("" = header left out), keep-alive, and reads the whole
// response (Content-Length or chunked). Returns the status, or -1 on an I/O or parse failure.
// `*server_closes` is set when the response says "Connection: close" (nginx ends keep-alive
// after a 500, for one): the caller must connect again.
int HttpGet(int fd, HttpIo io, const std::string& path, const std::string& traceparent,
            const std::string& request_id, bool* server_closes);

// Child side: sends the request and closes the connection without reading the answer.
bool HttpSendOnly(int fd, const std::string& path, const std::string& traceparent);

// "00-<32 hex trace id>-<16 hex span id>-01", the trace id ending in `n`.
std::string MakeTraceparent(unsigned n);
std::string TraceIdOf(unsigned n);

}  // namespace edgewatch::testing
