#include "tests/support/http_peer.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string_view>

#include "tests/support/netns.h"
#include "tests/support/process.h"

namespace edgewatch::testing {

namespace {

const char* kEchoModule = "/usr/lib/nginx/modules/ngx_http_echo_module.so";

std::string Config(const std::string& dir, const std::string& ip, int port, int slow_ms) {
  char slow[32];
  std::snprintf(slow, sizeof slow, "%.3f", slow_ms / 1000.0);
  const std::string d = dir + "/";
  return std::string("load_module ") + kEchoModule +
         ";\n"
         "daemon off;\nmaster_process on;\nworker_processes 1;\nuser root;\n"
         "error_log " +
         d + "error.log;\npid " + d +
         "nginx.pid;\n"
         "events { worker_connections 256; }\n"
         "http {\n  access_log off;\n  sendfile on;\n  keepalive_requests 1000;\n"
         "  client_body_temp_path " +
         d + "body;\n  proxy_temp_path " + d + "proxy;\n  fastcgi_temp_path " + d +
         "fcgi;\n  uwsgi_temp_path " + d + "uwsgi;\n  scgi_temp_path " + d +
         "scgi;\n"
         "  server {\n    listen " +
         ip + ":" + std::to_string(port) +
         ";\n"
         "    root " +
         d +
         "www;\n"
         "    location = /ok { return 200 \"ok\\n\"; }\n"
         "    location = /missing { return 404; }\n"
         "    location = /boom { return 500; }\n"
         "    location = /busy { return 503; }\n"
         "    location = /slow { echo_sleep " +
         slow +
         "; echo \"slow\"; }\n"
         "    location = /static { try_files /static.txt =404; }\n"
         "  }\n}\n";
}

bool WriteAll(int fd, HttpIo io, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = -1;
    switch (io) {
      case HttpIo::kSendRecv:
        n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        break;
      case HttpIo::kWriteRead:
        n = write(fd, data.data(), data.size());
        break;
      case HttpIo::kWritevReadv:
      case HttpIo::kSendmsgRecvmsg: {
        // Two pieces: the start line, then the rest (as servers write headers and bodies).
        const size_t cut = std::min(data.find('\n') + 1, data.size());
        iovec iov[2] = {{const_cast<char*>(data.data()), cut},
                        {const_cast<char*>(data.data() + cut), data.size() - cut}};
        if (io == HttpIo::kWritevReadv) {
          n = writev(fd, iov, 2);
        } else {
          msghdr msg{};
          msg.msg_iov = iov;
          msg.msg_iovlen = 2;
          n = sendmsg(fd, &msg, MSG_NOSIGNAL);
        }
        break;
      }
    }
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

ssize_t ReadSome(int fd, HttpIo io, char* buf, size_t size) {
  switch (io) {
    case HttpIo::kSendRecv:
      return recv(fd, buf, size, 0);
    case HttpIo::kWriteRead:
      return read(fd, buf, size);
    case HttpIo::kWritevReadv: {
      iovec iov[2] = {{buf, size / 2}, {buf + size / 2, size - size / 2}};
      return readv(fd, iov, 2);
    }
    case HttpIo::kSendmsgRecvmsg: {
      iovec iov{buf, size};
      msghdr msg{};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      return recvmsg(fd, &msg, 0);
    }
  }
  return -1;
}

std::string Request(const std::string& path, const std::string& traceparent,
                    const std::string& request_id) {
  std::string r = "GET " + path + " HTTP/1.1\r\nHost: ew-test\r\nUser-Agent: ew-http-client\r\n";
  if (!traceparent.empty()) r += "traceparent: " + traceparent + "\r\n";
  if (!request_id.empty()) r += "X-Request-ID: " + request_id + "\r\n";
  return r + "\r\n";
}

}  // namespace

std::unique_ptr<NginxPeer> NginxPeer::Start(const std::string& ns, const std::string& ip, int port,
                                            int slow_ms, std::string* why) {
  if (access("/usr/sbin/nginx", X_OK) != 0 || access(kEchoModule, R_OK) != 0) {
    *why = "nginx with the echo module is not installed (apt-get install nginx-light)";
    return nullptr;
  }
  std::unique_ptr<NginxPeer> p(new NginxPeer());
  p->dir_ = MakeTempDir();
  std::filesystem::create_directories(p->dir_ + "/www");
  WriteFile(p->dir_ + "/www/static.txt", std::string(20000, 's'));
  const std::string conf = p->dir_ + "/nginx.conf";
  WriteFile(conf, Config(p->dir_, ip, port, slow_ms));
  const std::string prefix = p->dir_ + "/";
  p->pid_ = ForkInNetns(ns, "nginx", [&] {
    execl("/usr/sbin/nginx", "nginx", "-c", conf.c_str(), "-p", prefix.c_str(),
          static_cast<char*>(nullptr));
    return 127;
  });
  if (p->pid_ <= 0) {
    *why = "fork failed";
    return nullptr;
  }
  using namespace std::chrono_literals;
  const std::string check = "ss -Hltn 'sport = :" + std::to_string(port) + "' | grep -q " + ip;
  if (!WaitFor([&] { return NetnsPair::Exec(ns, check) == 0; }, 5s)) {
    *why = "nginx did not listen on " + ip + ":" + std::to_string(port) + ": " +
           ReadFile(p->dir_ + "/error.log");
    return nullptr;
  }
  return p;
}

bool NginxPeer::Stop() {
  if (pid_ <= 0) return true;
  kill(pid_, SIGTERM);
  const bool ok = WaitChild(pid_, std::chrono::seconds(5)) != -1;
  pid_ = -1;
  return ok;
}

NginxPeer::~NginxPeer() {
  Stop();
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

int HttpGet(int fd, HttpIo io, const std::string& path, const std::string& traceparent,
            const std::string& request_id, bool* server_closes) {
  if (!WriteAll(fd, io, Request(path, traceparent, request_id))) return -1;
  std::string in;
  char buf[4096];
  size_t header_end = std::string::npos;
  while ((header_end = in.find("\r\n\r\n")) == std::string::npos) {
    const ssize_t n = ReadSome(fd, io, buf, sizeof buf);
    if (n <= 0) return -1;
    in.append(buf, static_cast<size_t>(n));
  }
  if (in.size() < 12 || in.compare(0, 7, "HTTP/1.") != 0) return -1;
  const int status = std::atoi(in.c_str() + 9);
  const std::string headers = in.substr(0, header_end);
  std::string body = in.substr(header_end + 4);
  *server_closes = headers.find("Connection: close") != std::string::npos;
  const size_t cl = headers.find("Content-Length: ");
  auto done = [&] {
    if (cl != std::string::npos) {
      return body.size() >= std::strtoul(headers.c_str() + cl + 16, nullptr, 10);
    }
    // chunked: the last chunk and the empty trailer section
    return body.size() >= 5 && body.compare(body.size() - 5, 5, "0\r\n\r\n") == 0;
  };
  while (!done()) {
    const ssize_t n = ReadSome(fd, io, buf, sizeof buf);
    if (n <= 0) return -1;
    body.append(buf, static_cast<size_t>(n));
  }
  return status;
}

bool HttpSendOnly(int fd, const std::string& path, const std::string& traceparent) {
  const bool ok = WriteAll(fd, HttpIo::kSendRecv, Request(path, traceparent, ""));
  close(fd);
  return ok;
}

std::string TraceIdOf(unsigned n) {
  char id[33];
  std::snprintf(id, sizeof id, "4bf92f3577b34da6a3ce9290%08x", n);
  return id;
}

std::string MakeTraceparent(unsigned n) { return "00-" + TraceIdOf(n) + "-00f067aa0ba902b7-01"; }

}  // namespace edgewatch::testing
