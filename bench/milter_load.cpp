// milter_load: drives any milter as an MTA does (tests/support/milter_client.h: negotiation, macros
// including {auth_authen}, {auth_type} and i, header fields, body chunks, end of message) with
// N messages at concurrency C, one or several messages per connection, and reports messages per
// second, p50/p99 latency, and, given the milter's pid, its CPU time per message and peak RSS.
// In C++ because a Python client cannot keep pace with a fast milter. It never sets TCP
// options of its own (no TCP_QUICKACK): a milter that leaves Nagle on meets delayed ACKs here as
// it would behind Postfix.
//
//   milter_load --milter inet:8891@127.0.0.1 [--messages N] [--concurrency C] [--per-connection K]
//               [--body-bytes B] [--auth-user USER | --no-auth] [--from ADDR] [--pid PID]
//               [--senders FILE] [--warmup W] [--expect-signatures N] [--label NAME] [--json]
//               (--help: all of them)
// --senders FILE takes "LOGIN ADDRESS" lines (the hosted-domain benchmark, scripts/bench-scale.sh):
// message i is sent by line i modulo their number, as {auth_authen} and the From and MAIL FROM.
// Exit status: 0 when every message got an answer (and, with --expect-signatures N, N header
// insertions), 1 otherwise, 2 on usage errors.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/program_options.hpp>

#include "bench/load_common.h"
#include "tests/support/milter_client.h"
#include "tests/support/proc_stats.h"

namespace {

namespace mc = dnsauth::milter_client;
using namespace dnsauth::bench;
using dnsauth::proc::cpu_seconds;
using dnsauth::proc::peak_rss_kb;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string milter;
  long messages = 1000;
  int concurrency = 1;
  int per_connection = 1;
  std::size_t body_bytes = 2048;
  std::string auth_user = "alice@example.com";
  std::string from = "alice@example.com";
  std::string senders_file;
  long pid = 0;
  long warmup = 20;
  int expect_signatures = -1;
  std::string label;
  bool json = false;
};

namespace po = boost::program_options;

[[noreturn]] void usage_error(const std::string& why) { dnsauth::bench::usage_error("milter_load", why); }

Options parse(int argc, char** argv) {
  Options o;
  bool no_auth = false;
  po::options_description opts("usage: milter_load --milter SOCKET [options]\noptions");
  opts.add_options()
      ("help,h", "this text")
      ("milter", po::value(&o.milter), "the milter's socket: inet:PORT@ADDR or unix:PATH (required)")
      ("messages", po::value(&o.messages)->default_value(o.messages), "messages to send, after the warm-up")
      ("concurrency", po::value(&o.concurrency)->default_value(o.concurrency), "connections in parallel")
      ("per-connection", po::value(&o.per_connection)->default_value(o.per_connection),
       "messages per connection (Postfix's smtpd sends one by default)")
      ("body-bytes", po::value(&o.body_bytes)->default_value(o.body_bytes), "body size, sent in 64 KB chunks")
      ("auth-user", po::value(&o.auth_user)->default_value(o.auth_user), "{auth_authen} sent with MAIL")
      ("no-auth", po::bool_switch(&no_auth), "send no {auth_*} macros (an unauthenticated session)")
      ("from", po::value(&o.from)->default_value(o.from), "the header From address")
      ("senders", po::value(&o.senders_file),
       "a file of \"LOGIN ADDRESS\" lines: message i uses line i modulo their number as its login and From")
      ("pid", po::value(&o.pid), "the milter's pid: report its CPU time per message and peak RSS (from /proc)")
      ("warmup", po::value(&o.warmup)->default_value(o.warmup), "messages sent first and not measured")
      ("expect-signatures", po::value(&o.expect_signatures),
       "exit 1 unless every message got this many header insertions")
      ("label", po::value(&o.label), "a name for this run in the output")
      ("json", po::bool_switch(&o.json), "one JSON object on stdout instead of text");
  dnsauth::bench::parse_options(argc, argv, opts, "milter_load",
                                "Exit status: 0 when every message got an answer (and, with --expect-signatures N, N "
                                "header\ninsertions), 1 otherwise, 2 on usage errors.\n");
  if (no_auth) o.auth_user.clear();
  if (o.milter.empty()) usage_error("--milter is required");
  if (o.messages < 1 || o.concurrency < 1 || o.per_connection < 1) usage_error("counts must be at least 1");
  if (o.warmup < 0 || o.pid < 0) usage_error("--warmup and --pid cannot be negative");
  return o;
}

// Who sends message i: --auth-user and --from, or a line of --senders.
struct Sender {
  std::string login, from;
};

std::vector<Sender> read_senders(const Options& o) {
  if (o.senders_file.empty()) return {{o.auth_user, o.from}};
  std::ifstream in(o.senders_file);
  if (!in) usage_error("cannot read --senders " + o.senders_file);
  std::vector<Sender> senders;
  int line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    std::istringstream fields(line);
    Sender s;
    if (!(fields >> s.login >> s.from)) usage_error(o.senders_file + ":" + std::to_string(line_no) + ": not LOGIN ADDRESS");
    senders.push_back(std::move(s));
  }
  if (senders.empty()) usage_error("--senders " + o.senders_file + " has no lines");
  return senders;
}

struct Run {
  std::vector<double> latencies;  // seconds per message
  long errors = 0;
  long unexpected = 0;  // answers without the expected signatures
  std::string first_error;
};

Run run(const Options& o, long messages, const std::vector<Sender>& senders,
        const std::vector<std::pair<std::string, std::string>>& base_headers, const std::string& body) {
  Run r;
  std::mutex m;
  std::atomic<long> next{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < o.concurrency; ++t) {
    threads.emplace_back([&] {
      std::vector<double> mine;
      long errors = 0, unexpected = 0;
      std::string first_error;
      while (true) {
        long start = next.fetch_add(o.per_connection);
        if (start >= messages) break;
        long end = std::min<long>(messages, start + o.per_connection);
        try {
          auto t0 = Clock::now();
          mc::Client c(o.milter);
          c.negotiate();
          for (long i = start; i < end; ++i) {
            const Sender& sender = senders[static_cast<std::size_t>(i) % senders.size()];
            mc::Envelope env;
            env.auth_authen = sender.login;
            env.mail_from = "<" + sender.from + ">";
            char qid[32];
            std::snprintf(qid, sizeof qid, "Q%09ld", i);
            env.queue_id = qid;
            auto headers = base_headers;
            headers.insert(headers.begin(), {"From", " Alice <" + sender.from + ">"});
            headers.push_back({"Message-ID", " <" + std::string(qid) + "@example.com>"});
            auto result = c.send_message(env, headers, body);
            auto t1 = Clock::now();
            mine.push_back(std::chrono::duration<double>(t1 - t0).count());
            t0 = t1;
            if (!result.accepted()) ++unexpected;
            else if (o.expect_signatures >= 0 && static_cast<int>(result.edits.size()) != o.expect_signatures) ++unexpected;
          }
          c.quit();
        } catch (const std::exception& e) {
          errors += end - start;
          if (first_error.empty()) first_error = e.what();
        }
      }
      std::lock_guard lock(m);
      r.latencies.insert(r.latencies.end(), mine.begin(), mine.end());
      r.errors += errors;
      r.unexpected += unexpected;
      if (r.first_error.empty()) r.first_error = first_error;
    });
  }
  for (auto& t : threads) t.join();
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  const std::vector<Sender> senders = read_senders(o);
  std::vector<std::pair<std::string, std::string>> headers = {
      {"To", " Bob <bob@example.org>"},
      {"Subject", " milter load test"},
      {"Date", " Mon, 23 Nov 2026 10:00:00 +0000"},
      {"MIME-Version", " 1.0"},
      {"Content-Type", " text/plain; charset=us-ascii"}};
  std::string body = make_body(o.body_bytes);

  if (o.warmup > 0) run(o, o.warmup, senders, headers, body);
  double cpu0 = o.pid ? cpu_seconds(o.pid) : 0;
  auto t0 = Clock::now();
  Run r = run(o, o.messages, senders, headers, body);
  double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  double cpu = o.pid ? cpu_seconds(o.pid) - cpu0 : 0;
  long rss = o.pid ? peak_rss_kb(o.pid) : 0;

  long done = static_cast<long>(r.latencies.size());
  double rate = wall > 0 ? static_cast<double>(done) / wall : 0;
  double p50 = percentile(r.latencies, 0.50) * 1000, p99 = percentile(r.latencies, 0.99) * 1000;
  double cpu_ms = done > 0 ? cpu * 1000 / static_cast<double>(done) : 0;
  if (o.json) {
    std::printf(
        "{\"label\":\"%s\",\"messages\":%ld,\"concurrency\":%d,\"per_connection\":%d,\"body_bytes\":%zu,"
        "\"msgs_per_s\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"cpu_ms_per_msg\":%.4f,\"peak_rss_kb\":%ld,"
        "\"errors\":%ld,\"unexpected\":%ld}\n",
        o.label.c_str(), done, o.concurrency, o.per_connection, o.body_bytes, rate, p50, p99, cpu_ms, rss, r.errors,
        r.unexpected);
  } else {
    std::printf("%s%s messages=%ld concurrency=%d per_connection=%d body=%zu B\n", o.label.c_str(),
                o.label.empty() ? "" : ":", done, o.concurrency, o.per_connection, o.body_bytes);
    std::printf("  %.1f msgs/s, latency p50 %.3f ms, p99 %.3f ms\n", rate, p50, p99);
    if (o.pid) std::printf("  milter CPU %.4f ms/message, peak RSS %ld KiB\n", cpu_ms, rss);
    if (r.errors || r.unexpected) std::printf("  errors %ld, unexpected answers %ld\n", r.errors, r.unexpected);
  }
  if (!r.first_error.empty()) std::fprintf(stderr, "milter_load: first error: %s\n", r.first_error.c_str());
  return r.errors == 0 && r.unexpected == 0 ? 0 : 1;
}
