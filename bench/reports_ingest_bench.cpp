// DMARC aggregate report ingest, in process: where the time of `dnsauth-validate reports
// ingest` goes. Over a folder of compressed reports written by bench/reports/gen_reports.py
// (scripts/bench-reports.sh passes --corpus=DIR):
//   Expand   reading the files and gunzip/unzip (reports/input.h) alone
//   Parse    the report parser (core/dmarc_report) over the expanded documents
//   Ingest   the whole path: files, expansion, parse, and the SQLite store, into a fresh
//            database each iteration
// Rates are records per CPU second (Google Benchmark's default clock), the figure the README
// states the target in.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include "core/dmarc_report/parser.h"
#include "reports/input.h"
#include "reports/store.h"

namespace {

namespace fs = std::filesystem;
using namespace dnsauth;

std::string g_corpus;

std::vector<std::string> corpus_files() {
  auto list = reports::list_inputs({g_corpus});
  if (!list.rejected.empty() || list.files.empty()) {
    std::fprintf(stderr, "reports_ingest_bench: --corpus=%s gives no files (generate them with "
                         "bench/reports/gen_reports.py)\n", g_corpus.c_str());
    std::exit(2);
  }
  return list.files;
}

// Keeps every document, or only counts it.
class Collect final : public reports::DocumentSink {
 public:
  explicit Collect(bool keep) : keep_(keep) {}
  void document(reports::Document& d) override {
    bytes += d.xml.size();
    if (keep_) documents.push_back(std::move(d.xml));
  }
  void rejected(const reports::Rejection& r) override {
    std::fprintf(stderr, "reports_ingest_bench: %s: %s\n", r.source.c_str(), r.reason.c_str());
    std::exit(2);
  }
  std::vector<std::string> documents;
  std::size_t bytes = 0;

 private:
  bool keep_;
};

class CountRecords final : public dmarc_report::Visitor {
 public:
  bool header(const dmarc_report::Header&) override { return true; }
  bool record(const dmarc_report::Record& r) override {
    benchmark::DoNotOptimize(r.count);
    ++records;
    return true;
  }
  std::size_t records = 0;
};

void Expand(benchmark::State& state) {
  const auto files = corpus_files();
  std::size_t bytes = 0;
  for (auto _ : state) {
    Collect sink(false);
    for (const auto& f : files) reports::read_input(f, {}, sink);
    bytes += sink.bytes;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

void Parse(benchmark::State& state) {
  Collect sink(true);
  for (const auto& f : corpus_files()) reports::read_input(f, {}, sink);
  dmarc_report::Parser parser;
  std::size_t records = 0, bytes = 0;
  for (auto _ : state) {
    for (const auto& doc : sink.documents) {
      state.PauseTiming();  // the parser parses in place: give it a fresh copy, untimed
      std::string xml = doc;
      state.ResumeTiming();
      CountRecords count;
      auto done = parser.parse(xml, count);
      if (!done) state.SkipWithError(done.error().message().c_str());
      records += count.records;
      bytes += doc.size();
    }
  }
  state.counters["records"] = benchmark::Counter(static_cast<double>(records), benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

// The store as the command drives it: each document found goes to Store::ingest.
class Ingest final : public reports::DocumentSink {
 public:
  explicit Ingest(reports::Store& store) : store_(store) {}
  void document(reports::Document& d) override {
    auto done = store_.ingest(d.xml, d.source, 0);
    if (!done) {
      std::fprintf(stderr, "reports_ingest_bench: %s: %s\n", d.source.c_str(), done.error().message().c_str());
      std::exit(2);
    }
    records += done->records;
  }
  void rejected(const reports::Rejection& r) override {
    std::fprintf(stderr, "reports_ingest_bench: %s: %s\n", r.source.c_str(), r.reason.c_str());
    std::exit(2);
  }
  std::size_t records = 0;

 private:
  reports::Store& store_;
};

void IngestAll(benchmark::State& state) {
  const auto files = corpus_files();
  const fs::path db = fs::temp_directory_path() / ("reports_ingest_bench." + std::to_string(getpid()) + ".db");
  std::size_t records = 0;
  for (auto _ : state) {
    state.PauseTiming();
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);
    auto store = reports::Store::open(db.string());
    if (!store) {
      state.SkipWithError(store.error().message().c_str());
      break;
    }
    state.ResumeTiming();
    Ingest sink(*store);
    for (const auto& f : files) reports::read_input(f, {}, sink);
    if (auto done = store->commit(); !done) {
      state.SkipWithError(done.error().message().c_str());
      break;
    }
    records += sink.records;
  }
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);
  state.counters["records"] = benchmark::Counter(static_cast<double>(records), benchmark::Counter::kIsRate);
}

BENCHMARK(Expand)->Unit(benchmark::kMillisecond);
BENCHMARK(Parse)->Unit(benchmark::kMillisecond);
BENCHMARK(IngestAll)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.substr(0, 9) == "--corpus=") g_corpus = std::string(arg.substr(9));
    else {
      std::fprintf(stderr, "reports_ingest_bench: unknown argument %s (use --corpus=DIR)\n", argv[i]);
      return 2;
    }
  }
  if (g_corpus.empty()) {
    std::fprintf(stderr, "reports_ingest_bench: --corpus=DIR is required (bench/reports/gen_reports.py "
                         "writes one; scripts/bench-reports.sh does it all)\n");
    return 2;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
