#include "signer/log.h"

#include <syslog.h>
#include <unistd.h>

#include <atomic>
#include <string>

namespace dnsauth::signer::log {

namespace {
std::atomic<bool> use_syslog{false};
}

void open_syslog() {
  ::openlog("dnsauth-signer", LOG_PID | LOG_NDELAY, LOG_MAIL);
  use_syslog = true;
}

void open_stderr() { use_syslog = false; }

void write(Level level, std::string_view line) {
  if (use_syslog) {
    int prio = level == Level::error ? LOG_ERR : level == Level::warning ? LOG_WARNING : LOG_INFO;
    ::syslog(prio, "%.*s", static_cast<int>(line.size()), line.data());
    return;
  }
  std::string out = "dnsauth-signer: ";
  if (level == Level::error) out += "error: ";
  if (level == Level::warning) out += "warning: ";
  out.append(line);
  out += '\n';
  // One write(2): concurrent lines stay whole.
  const char* p = out.data();
  std::size_t left = out.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) break;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace dnsauth::signer::log
