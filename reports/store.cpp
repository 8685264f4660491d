#include "reports/store.h"
// Placeholder until the SQLite store lands (same session): opens nothing, so that the
// programs that use the store link.

namespace dnsauth::reports {

struct Store::Impl {};
Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;
Store::~Store() = default;
Result<Store> Store::open(const std::string&) { return make_error(Errc::unsupported, "not yet"); }
Result<Store::Ingested> Store::ingest(std::string&, const std::string&, std::int64_t) {
  return make_error(Errc::unsupported, "not yet");
}
Result<void> Store::reject(const std::string&, const std::string&, std::int64_t) {
  return make_error(Errc::unsupported, "not yet");
}
sqlite3* Store::db() const noexcept { return nullptr; }

}  // namespace dnsauth::reports
