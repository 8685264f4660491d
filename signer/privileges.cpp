#include "signer/privileges.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dnsauth::signer {

namespace {

std::string unix_socket_path(const std::string& socket) {
  for (const char* p : {"unix:", "local:"})
    if (socket.starts_with(p)) return socket.substr(std::strlen(p));
  return "";
}

}  // namespace

std::string drop_privileges(const std::string& user, const std::string& socket) {
  if (user.empty()) return "";
  const passwd* pw = ::getpwnam(user.c_str());
  if (!pw) return "user '" + user + "' does not exist";
  if (::geteuid() != 0) {
    if (::geteuid() == pw->pw_uid) return "";
    return "cannot switch to user '" + user + "': not running as root";
  }
  if (std::string path = unix_socket_path(socket); !path.empty()) {
    if (::chown(path.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      return "cannot give " + path + " to user '" + user + "': " + std::strerror(errno);
    }
  }
  if (::initgroups(pw->pw_name, pw->pw_gid) != 0 || ::setgid(pw->pw_gid) != 0 || ::setuid(pw->pw_uid) != 0) {
    return "cannot switch to user '" + user + "': " + std::strerror(errno);
  }
  if (::setuid(0) == 0) return "privileges could be regained after switching to '" + user + "'";
  return "";
}

}  // namespace dnsauth::signer
