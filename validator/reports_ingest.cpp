// dnsauth-validate reports ingest: DMARC aggregate reports (RFC 7489 7.2, DMARCbis aggregate
// reporting) from files, archives, mail messages and Maildir folders (reports/input.h) into
// the report database (reports/store.h). A report that cannot be read is recorded with its
// reason and skipped; the run goes on and the good ones are stored. Only the database failing
// (it cannot be opened or written) ends the run early.
#include <unistd.h>

#include <boost/program_options/value_semantic.hpp>
#include <boost/program_options/variables_map.hpp>
#include <chrono>
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>
#include <ostream>

#include "reports/input.h"
#include "reports/store.h"
#include "validator/commands.h"

namespace dnsauth::validator {

namespace po = boost::program_options;

namespace {

// A progress line on the terminal, for runs long enough to want one: drawn from the second
// half-second on, at most ten times a second, and erased before the summary is printed.
class Progress {
 public:
  Progress(std::ostream& err, bool enabled, std::size_t total) : err_(err), enabled_(enabled), total_(total) {}

  void update(std::size_t done, std::size_t reports, std::size_t rejected) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - start_ < std::chrono::milliseconds(500) || now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    constexpr std::size_t width = 30;
    const std::size_t filled = total_ ? done * width / total_ : width;
    err_ << "\r[" << std::string(filled, '#') << std::string(width - filled, '-') << "] " << done << "/" << total_
         << " inputs, " << reports << " reports, " << rejected << " rejected" << std::flush;
    drawn_ = true;
  }

  void erase() {
    if (drawn_) err_ << "\r\033[K" << std::flush;
    drawn_ = false;
  }

 private:
  std::ostream& err_;
  bool enabled_;
  std::size_t total_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
  bool drawn_ = false;
};

// Each document into the store; what cannot be stored, into the store's rejected table.
class Ingest : public reports::DocumentSink {
 public:
  Ingest(reports::Store& store, std::int64_t now) : store_(store), now_(now) {}

  void document(reports::Document& d) override {
    ++reports_;
    auto r = store_.ingest(d.xml, d.source, now_);
    if (!r) {
      // A database that cannot be written ends the run: every later report would fail alike.
      if (r.error().code == Errc::io) throw InputError("the report database: " + r.error().message());
      rejected({d.source, r.error().message()});
      return;
    }
    if (r->outcome == reports::Store::Outcome::duplicate) {
      ++duplicates_;
    } else {
      ++stored_, records_ += r->records, messages_ += r->messages;
    }
  }

  void rejected(const reports::Rejection& r) override {
    if (auto w = store_.reject(r.source, r.reason, now_); !w)
      throw InputError("the report database: " + w.error().message());
    rejections_.push_back(r);
  }

  std::size_t reports_ = 0, stored_ = 0, duplicates_ = 0, records_ = 0;
  std::uint64_t messages_ = 0;
  std::vector<reports::Rejection> rejections_;

 private:
  reports::Store& store_;
  std::int64_t now_;
};

}  // namespace

po::options_description reports_ingest_options() {
  po::options_description d("Options");
  d.add_options()
      ("help,h", "show this help")
      ("db", po::value<std::string>()->value_name("FILE"),
       "the report database (SQLite, WAL mode); created when it does not exist (required)")
      ("path", po::value<std::vector<std::string>>()->value_name("PATH"),
       "a report to read: an XML file, a gzip or zip archive, a mail message with the report "
       "attached, or a folder of them (a Maildir: cur/ and new/ and its subfolders). Also the "
       "positional arguments; files and folders may be mixed")
      ("json", "print one JSON object (read, stored, duplicates, rejected: [{path, reason}]) "
               "instead of text");
  return d;
}

int run_reports_ingest(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::variables_map vm = cli::parse_command_line(args, reports_ingest_options(), "path", -1);
  if (!vm.count("db")) throw UsageError("--db is required");
  if (!vm.count("path")) throw UsageError("give at least one PATH (a report file, a message or a folder)");
  const bool json = vm.count("json") > 0;
  const std::string db = vm["db"].as<std::string>();

  auto store = reports::Store::open(db);
  if (!store) throw InputError("cannot open the report database " + db + ": " + store.error().message());

  Ingest ingest(*store, static_cast<std::int64_t>(std::time(nullptr)));
  reports::InputList inputs = reports::list_inputs(vm["path"].as<std::vector<std::string>>());
  for (const auto& r : inputs.rejected) ingest.rejected(r);
  Progress progress(err, !json && &err == &std::cerr && ::isatty(STDERR_FILENO), inputs.files.size());
  const reports::InputLimits limits;
  for (std::size_t i = 0; i < inputs.files.size(); ++i) {
    try {
      reports::read_input(inputs.files[i], limits, ingest);
    } catch (...) {
      progress.erase();
      throw;
    }
    progress.update(i + 1, ingest.reports_, ingest.rejections_.size());
  }
  progress.erase();
  if (auto r = store->commit(); !r) throw InputError("the report database: " + r.error().message());

  if (json) {
    nlohmann::ordered_json rejected = nlohmann::ordered_json::array();
    for (const auto& r : ingest.rejections_) rejected.push_back({{"path", r.source}, {"reason", r.reason}});
    nlohmann::ordered_json j = {{"read", inputs.files.size()},
                                {"stored", ingest.stored_},
                                {"duplicates", ingest.duplicates_},
                                {"rejected", rejected}};
    out << j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
  } else {
    out << "read " << inputs.files.size() << " inputs, " << ingest.reports_ << " reports: " << ingest.stored_
        << " stored (" << ingest.records_ << " records, " << ingest.messages_ << " messages), "
        << ingest.duplicates_ << " duplicates, " << ingest.rejections_.size() << " rejected\n";
    for (const auto& r : ingest.rejections_) out << r.source << ": " << r.reason << "\n";
  }
  return ingest.rejections_.empty() ? kExitPass : kExitNotPass;
}

}  // namespace dnsauth::validator
