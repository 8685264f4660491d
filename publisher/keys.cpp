#include "publisher/keys.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/common/file.h"

namespace dnsauth::publisher {

namespace fs = std::filesystem;

namespace {

std::string errno_text() { return std::strerror(errno); }

// Run as root, what we create in a folder that belongs to someone else (the signer's user owns
// its key_dir, README "Installing on a server") is given to that folder's owner and group: the
// signer reads its keys as that user, and a root-owned 0600 key would be unreadable to it.
// Anyone else can only create files that are theirs anyway.
bool give_to_folder_owner(int fd, const fs::path& folder) {
  if (::geteuid() != 0) return true;
  struct stat st {};
  if (::stat(folder.empty() ? "." : folder.c_str(), &st) != 0) return false;
  if (st.st_uid == 0) return true;
  return ::fchown(fd, st.st_uid, st.st_gid) == 0;
}

// Creates the missing folders of `dir`, each with exactly `mode`: mkdir() takes the umask off
// the mode asked for, so a umask of 000 would not narrow it and one of 077 would make a public
// folder private; the mode is set again on each folder created here (folders that exist are
// left as they are), and each goes to the owner of the folder it is made in (above).
Result<void> make_dirs(const fs::path& dir, mode_t mode) {
  if (dir.empty()) return {};
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return {};
  if (auto up = make_dirs(dir.parent_path(), mode); !up) return up;
  if (::mkdir(dir.c_str(), mode) != 0) {
    if (errno == EEXIST && fs::is_directory(dir, ec)) return {};  // made by someone else meanwhile
    return make_error(Errc::io, "cannot create folder " + dir.string() + ": " + errno_text());
  }
  if (::chmod(dir.c_str(), mode) != 0)
    return make_error(Errc::io, "cannot set the mode of folder " + dir.string() + ": " + errno_text());
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  bool given = fd >= 0 && give_to_folder_owner(fd, dir.parent_path());
  if (fd >= 0) ::close(fd);
  if (!given) return make_error(Errc::io, "cannot give folder " + dir.string() + " to the owner of its parent: " + errno_text());
  return {};
}

// A key folder is nobody else's business.
constexpr mode_t kKeyFolderMode = 0700;
// Zone fragments and their like are public.
constexpr mode_t kOutputFolderMode = 0755;

bool write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// O_CREAT|O_EXCL: fails when anything (a file, a symlink, dangling or not) is already there,
// so an existing key is never overwritten, whatever races with us.
Result<void> write_new_key_file(const fs::path& path, const std::string& pem) {
  if (auto d = make_dirs(path.parent_path(), kKeyFolderMode); !d) return d;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return make_error(Errc::io, "cannot create key file " + path.string() + ": " + errno_text());
  // The umask may only remove bits; make the mode exactly 0600 regardless.
  bool ok = ::fchmod(fd, 0600) == 0 && give_to_folder_owner(fd, path.parent_path()) && write_all(fd, pem) &&
            ::fsync(fd) == 0;
  int saved = errno;
  ok = (::close(fd) == 0) && ok;
  if (!ok) {
    ::unlink(path.c_str());  // ours: O_EXCL created it
    errno = saved;
    return make_error(Errc::io, "cannot write key file " + path.string() + ": " + errno_text());
  }
  return {};
}

}  // namespace

Result<dkim::PrivateKey> read_key(const fs::path& path) {
  auto pem = read_whole_file(path);
  if (!pem) return make_error(Errc::io, "cannot read key file " + path.string() + ": " + pem.error().detail);
  auto key = dkim::PrivateKey::from_pem(*pem);
  OPENSSL_cleanse(pem->data(), pem->size());  // the key material lives on only inside OpenSSL
  if (!key) return make_error(Errc::key, path.string() + ": " + key.error().detail);
  return key;
}

Result<KeyFile> ensure_key(const config::Selector& selector, const fs::path& path) {
  KeyFile out;
  out.path = path;
  const dkim::KeyType want = dkim::key_type_of(selector.algorithm);
  std::error_code ec;
  if (fs::symlink_status(path, ec).type() != fs::file_type::not_found) {
    auto key = read_key(path);
    if (!key) return tl::unexpected(key.error());
    if (key->type() != want)
      return make_error(Errc::key, path.string() + " holds an " + std::string(to_string(key->type())) +
                                       " key but selector " + selector.name + " is " +
                                       std::string(to_string(selector.algorithm)));
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077))
      out.warnings.push_back(path.string() + " is readable by group or others (chmod 600 it)");
    if (want == dkim::KeyType::rsa && key->bits() != selector.bits)
      out.warnings.push_back(path.string() + " is an RSA key of " + std::to_string(key->bits()) +
                             " bits, the config says " + std::to_string(selector.bits) +
                             " (kept; rotate the selector to change it)");
    out.key = std::move(*key);
    return out;
  }
  auto key = want == dkim::KeyType::rsa ? dkim::PrivateKey::generate_rsa(selector.bits)
                                        : dkim::PrivateKey::generate_ed25519();
  if (!key) return tl::unexpected(key.error());
  if (auto w = write_new_key_file(path, key->to_pem()); !w) return tl::unexpected(w.error());
  out.key = std::move(*key);
  out.created = true;
  return out;
}

Result<fs::path> write_beside(const fs::path& path, const std::string& contents) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return make_error(Errc::io, "cannot read " + path.string() + ": " + errno_text());
  std::string tmpl = (path.parent_path() / ("." + path.filename().string() + ".XXXXXX")).string();
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) return make_error(Errc::io, "cannot write beside " + path.string() + ": " + errno_text());
  bool ok = ::fchmod(fd, st.st_mode & 07777) == 0 && write_all(fd, contents) && ::fsync(fd) == 0;
  // Only root can give a file away; anyone else keeps it their own, as the original was.
  if (ok && ::geteuid() == 0) ok = ::fchown(fd, st.st_uid, st.st_gid) == 0;
  ok = (::close(fd) == 0) && ok;
  if (!ok) {
    std::string why = errno_text();
    ::unlink(tmpl.c_str());
    return make_error(Errc::io, "cannot write beside " + path.string() + ": " + why);
  }
  return fs::path(tmpl);
}

Result<void> write_file_atomic(const fs::path& path, const std::string& contents) {
  if (auto d = make_dirs(path.parent_path(), kOutputFolderMode); !d) return d;
  std::string tmpl = (path.parent_path() / ("." + path.filename().string() + ".XXXXXX")).string();
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) return make_error(Errc::io, "cannot write " + path.string() + ": " + errno_text());
  bool ok = ::fchmod(fd, 0644) == 0 && write_all(fd, contents) && ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (!ok || ::rename(tmpl.c_str(), path.c_str()) != 0) {
    std::string why = errno_text();
    ::unlink(tmpl.c_str());
    return make_error(Errc::io, "cannot write " + path.string() + ": " + why);
  }
  return {};
}

}  // namespace dnsauth::publisher
