#include "signer/listener.h"

#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

namespace dnsauth::signer::listener {

namespace {

sockaddr_storage milter_address{};
socklen_t milter_address_len = 0;
// The unix socket's path and the file it was when bound.
std::string unix_path;
dev_t unix_dev = 0;
ino_t unix_ino = 0;

std::vector<int> open_fds() {
  std::vector<int> fds;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    int own = ::dirfd(d);
    while (dirent* e = ::readdir(d)) {
      int fd = -1;
      const char* end = e->d_name + std::strlen(e->d_name);
      if (std::from_chars(e->d_name, end, fd).ptr == end && fd != own) fds.push_back(fd);
    }
    ::closedir(d);
  }
  return fds;
}

}  // namespace

void prepare(int except) {
  for (int fd : open_fds()) {
    if (fd == except) continue;
    int listening = 0;
    socklen_t len = sizeof listening;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) continue;
    sockaddr_storage ss{};
    socklen_t sl = sizeof ss;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &sl) != 0) continue;
    if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6) {
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    milter_address = ss;
    milter_address_len = sl;
    if (ss.ss_family == AF_UNIX) {
      const auto* un = reinterpret_cast<const sockaddr_un*>(&ss);
      struct stat st {};
      if (un->sun_path[0] == '/' && ::stat(un->sun_path, &st) == 0 && S_ISSOCK(st.st_mode)) {
        unix_path = un->sun_path;
        unix_dev = st.st_dev;
        unix_ino = st.st_ino;
      }
    }
  }
}

std::string remove_unix_socket() {
  if (unix_path.empty()) return "";
  struct stat st {};
  if (::stat(unix_path.c_str(), &st) != 0 || st.st_dev != unix_dev || st.st_ino != unix_ino) return "";
  if (::unlink(unix_path.c_str()) == 0 || errno == ENOENT) return "";
  return "cannot remove the socket " + unix_path + ": " + std::strerror(errno);
}

void wake_after_stop() {
  if (milter_address_len == 0) return;
  std::thread([] {
    for (int i = 0; i < 40; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
      int fd = ::socket(milter_address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0) return;
      bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&milter_address), milter_address_len) == 0;
      ::close(fd);
      if (!ok) return;
    }
  }).detach();
}

}  // namespace dnsauth::signer::listener
