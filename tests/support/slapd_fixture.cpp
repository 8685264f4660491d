#include "support/slapd_fixture.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/nsd_fixture.h"

namespace dnsauth::test {

namespace {

constexpr const char* kSlapadd = "/usr/sbin/slapadd";

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs `argv` with its output appended to `log`; its exit status.
int run(const std::vector<std::string>& argv, const std::filesystem::path& log) {
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

}  // namespace

bool SlapdServer::available() { return ::access(kBinary, X_OK) == 0 && ::access(kSlapadd, X_OK) == 0; }

SlapdServer::SlapdServer(const std::string& ldif, int startup_timeout_ms) : startup_timeout_ms_(startup_timeout_ms) {
  std::string templ = (std::filesystem::temp_directory_path() / "dnsauth-slapd-XXXXXX").string();
  if (!::mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed for " + templ);
  dir_ = templ;
  port_ = free_loopback_port();
  std::filesystem::create_directory(dir_ / "db");
  const std::string d = dir_.string();
  write_file(dir_ / "slapd.conf",
             "include /etc/ldap/schema/core.schema\n"
             "include /etc/ldap/schema/cosine.schema\n"
             "include /etc/ldap/schema/inetorgperson.schema\n"
             "pidfile " + d + "/slapd.pid\n"
             "modulepath /usr/lib/ldap\n"
             "moduleload back_mdb\n"
             "database mdb\n"
             "maxsize 16777216\n"
             "suffix \"" + std::string(kSuffix) + "\"\n"
             "rootdn \"" + std::string(kRootDn) + "\"\n"
             "rootpw " + std::string(kRootPassword) + "\n"
             "directory " + d + "/db\n");
  write_file(dir_ / "data.ldif",
             "dn: " + std::string(kSuffix) + "\nobjectClass: dcObject\nobjectClass: organization\no: dnsauth tests\n"
             "dc: example\n\n" + ldif);
  if (run({kSlapadd, "-q", "-f", d + "/slapd.conf", "-l", d + "/data.ldif"}, dir_ / "slapd.log") != 0) {
    std::string why = "slapadd failed: " + log();
    std::filesystem::remove_all(dir_);
    throw std::runtime_error(why);
  }
  try {
    start();
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    throw;
  }
}

SlapdServer::~SlapdServer() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
  stop();
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

std::string SlapdServer::log() const { return read_all(dir_ / "slapd.log"); }

void SlapdServer::start() {
  if (pid_ > 0) return;
  const std::string conf = (dir_ / "slapd.conf").string();
  const std::string url = uri() + "/";
  const std::string out = (dir_ / "slapd.log").string();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    // -d 0: in the foreground, its messages on stderr; no -u/-g: it runs as the test's user.
    ::execl(kBinary, "slapd", "-d", "0", "-f", conf.c_str(), "-h", url.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(startup_timeout_ms_);
  while (!loopback_accepts(port_)) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("slapd exited during startup (status " + std::to_string(status) + "): " + log());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      stop();
      throw std::runtime_error("slapd did not accept connections on " + uri() + ": " + log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void SlapdServer::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGCONT);
  ::kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid_ = -1;
}

void SlapdServer::pause() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGSTOP);
  // kill() returns before the signal has taken hold: a thread busy on the other core could
  // still answer the next request. Wait until every thread of slapd shows as stopped ('T').
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid_) + "/task";
  while (std::chrono::steady_clock::now() < until) {
    bool all = true;
    std::error_code ec;
    for (const auto& t : std::filesystem::directory_iterator(tasks, ec)) {
      std::ifstream stat(t.path() / "stat");
      std::string line;
      std::getline(stat, line);
      // "pid (comm) S ...": the state follows the last ')'.
      auto close = line.rfind(')');
      if (close == std::string::npos || close + 2 >= line.size() || (line[close + 2] != 'T' && line[close + 2] != 't'))
        all = false;
    }
    if (all && !ec) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void SlapdServer::resume() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
}

}  // namespace dnsauth::test
