// milter_soak: a long run against a signing milter with faults, checking every answer.
//
// N messages at concurrency C, one per connection as Postfix's smtpd sends them, through the
// MTA side of the milter protocol (tests/support/milter_client.h), with:
//   - a mix of messages whose right answer is known: an authenticated login allowed to use the
//     From (signed; some with bodies of several chunks), no login (accepted unsigned), a login
//     not allowed to use the From (unsigned, or 550 5.7.1 where the set says on_mismatch =
//     "reject"), a From domain that is not configured (unsigned);
//   - a fraction of sessions cut short at a random stage (connect, after negotiation, after
//     MAIL, in the middle of the headers, after end of headers, in the middle of the body,
//     before end of message), then closed, reset or aborted;
//   - reloads: every --reload-every seconds the next file of --cycle is renamed over --config
//     and the milter gets a SIGHUP; the milter's log (--signer-log) says whether it reloaded or
//     refused, which must be what load_key_set says of that file.
// Every answer is checked: a signed message carries one DKIM-Signature per selector of the key
// set in force, and they verify (dkim::verify_message against an in-memory resolver holding
// that set's public keys, derived from the private keys the --cycle files name). A message may
// be signed by any set that was in force during its lifetime, from the SIGHUP that installed
// the set (the earliest the swap can have happened) to the log line of the reload that
// replaced it (the latest); which set signed is counted. Unsigned and rejected answers must
// match the kind of message and the on_mismatch of a set in force. The milter's log line for
// each message must name the same decision and the message kind's policy reason; a message
// cut before end of message must never be logged as signed.
// At every --report-at count, at warm-up and at the end the load pauses until the milter is
// idle and its RSS, open descriptors and threads are read from /proc: every sample after
// warm-up must stay within the tolerances of warm-up's (flat), and the process must be alive
// at the end.
//
//   milter_soak --milter inet:PORT@127.0.0.1 --pid PID --config dnsauth.toml --signer-log LOG
//               --cycle A.toml --cycle broken.toml --cycle B.toml ... [--messages 20000]
//               [--concurrency 16] [--drop 0.05] [--reload-every 1] [--warmup 5000]
//               [--report-at 2000 10000 ...] [--json]             (--help: all of them)
// Exit status: 0 when every answer was right, no session failed that was not cut on purpose,
// every reload did what its file says, the milter is alive and its figures stayed flat; 1
// otherwise; 2 on usage errors.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/program_options.hpp>

#include "bench/load_common.h"
#include "core/dkim/verifier.h"
#include "core/dns/resolver.h"
#include "core/mail/message.h"
#include "core/signing/key_store.h"
#include "tests/support/dkim_fixtures.h"
#include "tests/support/milter_client.h"
#include "tests/support/proc_stats.h"

namespace {

namespace mc = dnsauth::milter_client;
namespace fs = std::filesystem;
namespace po = boost::program_options;
using namespace dnsauth;
using Clock = std::chrono::steady_clock;
using Headers = std::vector<std::pair<std::string, std::string>>;

double now_s() { return std::chrono::duration<double>(Clock::now().time_since_epoch()).count(); }
constexpr double kForever = std::numeric_limits<double>::infinity();

struct Options {
  std::string milter;
  long messages = 20000;
  int concurrency = 16;
  double drop = 0.05;
  unsigned long seed = 1;
  long pid = 0;
  fs::path config;
  fs::path signer_log;
  std::vector<fs::path> cycle;
  double reload_every = 1.0;
  long warmup = 5000;
  std::vector<long> report_at = {2000};
  std::size_t big_body = 256 * 1024;
  long rss_tolerance_kib = 512;
  long thread_tolerance = 2;
  std::string signing_domain = "example.com";
  bool json = false;
};

[[noreturn]] void usage_error(const std::string& why) { bench::usage_error("milter_soak", why); }

Options parse(int argc, char** argv) {
  Options o;
  std::vector<std::string> cycle;
  po::options_description opts("usage: milter_soak --milter SOCKET --pid PID [options]\noptions");
  opts.add_options()
      ("help,h", "this text")
      ("milter", po::value(&o.milter), "the milter's socket: inet:PORT@ADDR or unix:PATH (required)")
      ("pid", po::value(&o.pid), "the milter's pid: sampled from /proc, and SIGHUP for reloads (required)")
      ("messages", po::value(&o.messages)->default_value(o.messages), "messages to send, warm-up included")
      ("concurrency", po::value(&o.concurrency)->default_value(o.concurrency), "connections in parallel")
      ("drop", po::value(&o.drop)->default_value(o.drop), "fraction of sessions cut short at a random stage")
      ("seed", po::value(&o.seed)->default_value(o.seed), "for the choice of kinds, cuts and drops (reproducible)")
      ("config", po::value(&o.config), "the configuration file the milter reads; --cycle files are renamed over it")
      ("cycle", po::value(&cycle), "a configuration for the reload cycle, in order (repeatable); the one whose "
                                   "text --config holds at the start is the set in force then")
      ("signer-log", po::value(&o.signer_log), "the milter's log file (its 'reloaded' / 'reload refused' lines "
                                               "and one line per message)")
      ("reload-every", po::value(&o.reload_every)->default_value(o.reload_every), "seconds between reloads; 0: none")
      ("warmup", po::value(&o.warmup)->default_value(o.warmup),
       "messages before the sample later ones are held to (flat after warm-up)")
      ("report-at", po::value(&o.report_at)->multitoken(),
       "more message counts to sample at (default 2000), besides warm-up and the end")
      ("big-body", po::value(&o.big_body)->default_value(o.big_body), "body size of the multi-chunk signed messages")
      ("rss-tolerance-kib", po::value(&o.rss_tolerance_kib)->default_value(o.rss_tolerance_kib),
       "flat: RSS at each later sample at most this much above warm-up's")
      ("thread-tolerance", po::value(&o.thread_tolerance)->default_value(o.thread_tolerance),
       "flat: threads at each later sample at most this many above warm-up's")
      ("domain", po::value(&o.signing_domain)->default_value(o.signing_domain),
       "the configured domain the messages are from (alice@ and mallory@ it; carol@ a domain not configured)")
      ("json", po::bool_switch(&o.json), "one JSON object on stdout instead of text");
  bench::parse_options(argc, argv, opts, "milter_soak",
                       "Exit status: 0 when every answer was right, no session failed that was not cut on purpose,\n"
                       "every reload did what its file says, the milter is alive and its figures stayed flat;\n"
                       "1 otherwise; 2 on usage errors.\n");
  for (const auto& c : cycle) o.cycle.emplace_back(c);
  if (o.milter.empty() || o.pid <= 0) usage_error("--milter and --pid are required");
  if (o.messages < 1 || o.concurrency < 1) usage_error("--messages and --concurrency must be at least 1");
  if (o.drop < 0 || o.drop > 1) usage_error("--drop is a fraction between 0 and 1");
  if (o.cycle.empty() || o.config.empty() || o.signer_log.empty())
    usage_error("--config, --signer-log and at least one --cycle are required");
  if (o.warmup < 0 || o.warmup >= o.messages) usage_error("--warmup must be below --messages");
  return o;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// ---- key sets ------------------------------------------------------------------------------

// One file of the reload cycle, as load_key_set reads it.
struct CycleFile {
  fs::path path;
  std::string text;
  int set = -1;  // index into the key sets; -1: load_key_set refuses it (a reload must be refused)
  std::string why_refused;
};

struct KeySetInfo {
  std::string name;  // the file's stem
  // What a login not allowed to use the From gets: unsigned, or 550.
  signing::OnMismatch on_mismatch = signing::OnMismatch::accept;
  std::size_t selectors = 0;     // signatures a message of the signing domain gets
  dns::MemoryResolver resolver;  // the public keys of its selectors
};

void load_cycle(const Options& o, std::vector<CycleFile>& files, std::vector<KeySetInfo>& sets) {
  for (const auto& p : o.cycle) {
    CycleFile f;
    f.path = p;
    f.text = read_file(p);
    if (f.text.empty()) usage_error("cannot read --cycle " + p.string());
    auto loaded = signing::load_key_set(p);
    if (!loaded.ok()) {
      f.why_refused = loaded.errors();
    } else {
      for (std::size_t i = 0; i < files.size(); ++i)
        if (files[i].set >= 0 && files[i].text == f.text) f.set = files[i].set;
      if (f.set < 0) {
        KeySetInfo k;
        k.name = p.stem().string();
        k.on_mismatch = loaded.keys->config().signer.on_mismatch;
        const auto* d = loaded.keys->domain(o.signing_domain);
        if (!d || d->specs.empty()) usage_error(p.string() + " does not sign for " + o.signing_domain);
        k.selectors = d->specs.size();
        for (const auto& dom : loaded.keys->config().domains())
          if (const auto* dk = loaded.keys->domain(dom.name))
            for (const auto& spec : dk->specs)
              k.resolver.add_txt(test::dns_name(spec.selector, spec.domain), test::key_record_for(*spec.key));
        f.set = static_cast<int>(sets.size());
        sets.push_back(std::move(k));
      }
    }
    files.push_back(std::move(f));
  }
}

// Which key set was in force when: each set from the SIGHUP that installed it to the log line
// of the reload that replaced it. Neighbouring spans overlap by the time a reload took. While
// a reload is under way (SIGHUP sent, no log line yet) its set may already be in force.
class Timeline {
 public:
  explicit Timeline(int initial) { spans_.push_back({initial, -kForever, kForever}); }
  // Before the SIGHUP; `set` -1 for a file that cannot load.
  void reloading(int set, double sighup_sent) {
    std::lock_guard lock(m_);
    pending_ = {set, sighup_sent, kForever};
  }
  // The reload's log line was seen: applied or refused.
  void reloaded(bool applied, double seen) {
    std::lock_guard lock(m_);
    if (applied && pending_.set >= 0) {
      spans_.back().until = seen;
      spans_.push_back(pending_);
    }
    pending_.set = -1;
  }
  // For a report: "set 0 [-inf, 2.345] set 1 [2.300, inf] ...", seconds since the timeline began,
  // or [t0, t1] alone.
  std::string describe() const {
    std::lock_guard lock(m_);
    std::string out;
    for (const auto& s : spans_) out += (out.empty() ? "set " : " set ") + std::to_string(s.set) + " " + span(s.from, s.until);
    return out;
  }
  std::string span(double t0, double t1) const {
    char buf[64];
    std::snprintf(buf, sizeof buf, "[%.3f, %.3f]", t0 - origin_, t1 - origin_);
    return buf;
  }
  // The sets that may have been in force at some moment of [t0, t1].
  std::vector<int> in_force(double t0, double t1) const {
    std::lock_guard lock(m_);
    std::vector<int> out;
    auto add = [&](const Span& s) {
      if (s.set >= 0 && s.from <= t1 && s.until >= t0 && std::find(out.begin(), out.end(), s.set) == out.end())
        out.push_back(s.set);
    };
    for (const auto& s : spans_) add(s);
    add(pending_);
    return out;
  }

 private:
  struct Span {
    int set;
    double from, until;
  };
  mutable std::mutex m_;
  std::vector<Span> spans_;
  Span pending_{-1, kForever, kForever};
  double origin_ = now_s();
};

// ---- the milter's log ----------------------------------------------------------------------

// Reads what the milter appended to its log since `offset`, whole lines only.
class LogTail {
 public:
  explicit LogTail(fs::path p) : path_(std::move(p)) {
    std::error_code ec;
    offset_ = fs::exists(path_, ec) ? fs::file_size(path_, ec) : 0;
  }
  std::vector<std::string> new_lines() {
    std::ifstream in(path_, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(offset_));
    std::string chunk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::string> lines;
    std::size_t p = 0;
    for (std::size_t nl; (nl = chunk.find('\n', p)) != std::string::npos; p = nl + 1) lines.push_back(chunk.substr(p, nl - p));
    offset_ += p;
    return lines;
  }

 private:
  fs::path path_;
  std::uintmax_t offset_ = 0;
};

// Runs `tick` every `period` seconds on a thread of its own, from start() until stop().
class Every {
 public:
  ~Every() { stop(); }
  void start(double period, std::function<void()> tick) {
    thread_ = std::thread([this, period, tick = std::move(tick)] {
      auto step = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(period));
      auto next = Clock::now();
      std::unique_lock lock(m_);
      for (;;) {
        next += step;
        if (cv_.wait_until(lock, next, [&] { return stopping_; })) return;
        lock.unlock();
        tick();
        lock.lock();
      }
    });
  }
  void stop() {
    {
      std::lock_guard lock(m_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

// ---- reloads -------------------------------------------------------------------------------

struct ReloadStats {
  long sent = 0, applied = 0, refused = 0, timeouts = 0, unexpected = 0;
  std::string first_unexpected;
};

// Every `every` seconds: the next cycle file renamed over the live config (so the milter never
// reads half a file), a SIGHUP, and the milter's answer awaited in its log. Holds `quiet` while
// a reload is under way, so that samples never catch one.
class Reloader {
 public:
  Reloader(const Options& o, const std::vector<CycleFile>& files, std::size_t first, Timeline& timeline,
           std::mutex& quiet)
      : o_(o), files_(files), next_(first), timeline_(timeline), quiet_(quiet) {}
  void start() {
    if (o_.reload_every <= 0) return;
    ticker_.start(o_.reload_every, [this] {
      std::lock_guard quiet(quiet_);
      reload_once(files_[next_++ % files_.size()]);
    });
  }
  ReloadStats stop() {
    ticker_.stop();
    return stats_;
  }

 private:
  void reload_once(const CycleFile& f) {
    fs::path tmp = o_.config;
    tmp += ".soak-next";
    std::ofstream(tmp, std::ios::binary | std::ios::trunc) << f.text;
    fs::rename(tmp, o_.config);
    log_.new_lines();  // what came before this SIGHUP
    timeline_.reloading(f.set, now_s());
    ++stats_.sent;
    ::kill(static_cast<pid_t>(o_.pid), SIGHUP);
    auto deadline = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < deadline) {
      for (const auto& line : log_.new_lines()) {
        bool applied = line.find("reloaded ") != std::string::npos;
        if (!applied && line.find("reload refused") == std::string::npos) continue;
        timeline_.reloaded(applied, now_s());
        ++(applied ? stats_.applied : stats_.refused);
        if (applied != (f.set >= 0)) {
          ++stats_.unexpected;
          if (stats_.first_unexpected.empty())
            stats_.first_unexpected = f.path.string() + ": " + line +
                                      (f.set < 0 ? " (load_key_set refuses it: " + f.why_refused + ")" : "");
        }
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ++stats_.timeouts;  // the set stays pending: the milter may have applied it or not
    if (stats_.first_unexpected.empty()) stats_.first_unexpected = f.path.string() + ": no reload line within 10 s";
  }

  const Options& o_;
  const std::vector<CycleFile>& files_;
  std::size_t next_;
  Timeline& timeline_;
  std::mutex& quiet_;
  LogTail log_{o_.signer_log};
  ReloadStats stats_;
  Every ticker_;  // last: stopped first
};

// ---- messages ------------------------------------------------------------------------------

enum class Kind { signed_small, signed_big, unauthenticated, not_allowed, other_domain };
constexpr const char* kKindNames[] = {"signed", "signed_big", "unauthenticated", "not_allowed", "other_domain"};
// How often each kind is sent, in percent.
constexpr int kKindWeights[] = {70, 5, 10, 10, 5};

// The stages a session can be dropped at: before any message (connect, negotiation), or a
// message cut (mc::Cut).
enum class DropAt { none, connect, after_negotiate, after_mail, mid_headers, after_eoh, mid_body, before_eom };
constexpr const char* kDropNames[] = {"none", "connect", "after_negotiate", "after_mail", "mid_headers",
                                      "after_eoh", "mid_body", "before_eom"};
constexpr int kDropStages = 7;
// How a dropped session ends: the connection closed, reset, or the message aborted (SMFIC_ABORT,
// then QUIT: an MTA whose SMTP client went away).
enum class DropHow { close, reset, abort };

struct Plan {
  Kind kind = Kind::signed_small;
  DropAt drop = DropAt::none;
  DropHow how = DropHow::close;
};

Plan plan_for(const Options& o, long i) {
  std::mt19937_64 rng(o.seed * 0x9E3779B97F4A7C15ULL + static_cast<unsigned long>(i));
  Plan p;
  int w = static_cast<int>(rng() % 100);
  for (int k = 0; k < 5; w -= kKindWeights[k++])
    if (w < kKindWeights[k]) {
      p.kind = static_cast<Kind>(k);
      break;
    }
  if (std::uniform_real_distribution<double>(0, 1)(rng) < o.drop) {
    p.drop = static_cast<DropAt>(1 + rng() % kDropStages);
    p.how = static_cast<DropHow>(rng() % 3);
  }
  return p;
}

mc::Cut cut_for(DropAt d) {
  switch (d) {
    case DropAt::after_mail: return mc::Cut::after_mail;
    case DropAt::mid_headers: return mc::Cut::mid_headers;
    case DropAt::after_eoh: return mc::Cut::after_eoh;
    case DropAt::mid_body: return mc::Cut::mid_body;
    case DropAt::before_eom: return mc::Cut::before_eom;
    default: return mc::Cut::none;
  }
}

std::string queue_id(long i) {
  char qid[32];
  std::snprintf(qid, sizeof qid, "SOAK%08ld", i);
  return qid;
}

// What the client saw of one message.
enum class Answer { none, signed_, unsigned_, rejected };

struct Tally {
  long completed = 0, errors = 0, wrong = 0, straddled = 0;
  long answers[4] = {};
  long dropped[8] = {};
  long answered_before_cut = 0;
  std::vector<long> signed_by;  // per key set
  std::vector<double> latencies;
  std::vector<std::string> wrong_examples;
  std::string first_error;
  std::map<std::string, std::pair<Kind, Answer>> completed_ids;  // queue id -> what was expected and seen
  std::set<std::string> cut_ids;                                 // sessions cut before their answer

  void merge(Tally&& t) {
    completed += t.completed;
    errors += t.errors;
    wrong += t.wrong;
    straddled += t.straddled;
    answered_before_cut += t.answered_before_cut;
    for (int i = 0; i < 4; ++i) answers[i] += t.answers[i];
    for (int i = 0; i < 8; ++i) dropped[i] += t.dropped[i];
    if (signed_by.size() < t.signed_by.size()) signed_by.resize(t.signed_by.size());
    for (std::size_t i = 0; i < t.signed_by.size(); ++i) signed_by[i] += t.signed_by[i];
    latencies.insert(latencies.end(), t.latencies.begin(), t.latencies.end());
    for (auto& w : t.wrong_examples)
      if (wrong_examples.size() < 10) wrong_examples.push_back(std::move(w));
    if (first_error.empty()) first_error = t.first_error;
    completed_ids.merge(t.completed_ids);
    cut_ids.merge(t.cut_ids);
  }
  void wrong_answer(const std::string& qid, const std::string& why) {
    ++wrong;
    if (wrong_examples.size() < 10) wrong_examples.push_back(qid + ": " + why);
  }
};

class Soak {
 public:
  Soak(const Options& o, const std::vector<KeySetInfo>& sets, const Timeline& timeline)
      : o_(o), sets_(sets), timeline_(timeline), small_(bench::make_body(2048)), big_(bench::make_body(o.big_body)) {}

  // Messages [from, to) at the configured concurrency; returns when all have ended.
  void run(long from, long to, Tally& total) {
    std::atomic<long> next{from};
    std::mutex m;
    std::vector<std::thread> threads;
    for (int t = 0; t < o_.concurrency; ++t) {
      threads.emplace_back([&] {
        Tally mine;
        mine.signed_by.resize(sets_.size());
        std::vector<dns::MemoryResolver> resolvers;  // a MemoryResolver counts its queries: one each
        for (const auto& s : sets_) resolvers.push_back(s.resolver);
        for (long i; (i = next++) < to;) one(i, mine, resolvers);
        std::lock_guard lock(m);
        total.merge(std::move(mine));
      });
    }
    for (auto& t : threads) t.join();
  }

 private:
  void one(long i, Tally& t, std::vector<dns::MemoryResolver>& resolvers) {
    Plan p = plan_for(o_, i);
    mc::Envelope env;
    env.queue_id = queue_id(i);
    std::string from = "alice@" + o_.signing_domain;
    if (p.kind == Kind::signed_small || p.kind == Kind::signed_big || p.kind == Kind::other_domain)
      env.auth_authen = "alice@" + o_.signing_domain;
    if (p.kind == Kind::not_allowed) env.auth_authen = "mallory@not-" + o_.signing_domain;
    if (p.kind == Kind::other_domain) from = "carol@not-" + o_.signing_domain;
    env.mail_from = "<" + from + ">";
    Headers headers = {{"From", " Alice <" + from + ">"},
                       {"To", " Bob <bob@example.org>"},
                       {"Subject", " soak " + env.queue_id},
                       {"Date", " Mon, 23 Nov 2026 10:00:00 +0000"},
                       {"Message-ID", " <" + env.queue_id + "@soak.test>"},
                       {"MIME-Version", " 1.0"},
                       {"Content-Type", " text/plain; charset=us-ascii"}};
    const std::string& body = p.kind == Kind::signed_big ? big_ : small_;
    double t0 = now_s();
    try {
      mc::Client c(o_.milter);
      auto end_dropped = [&] {
        if (p.how == DropHow::abort && p.drop >= DropAt::after_mail) {
          c.abort_message();
          c.quit();
        } else {
          c.drop(p.how == DropHow::reset);
        }
        ++t.dropped[static_cast<int>(p.drop)];
        t.cut_ids.insert(env.queue_id);
      };
      if (p.drop == DropAt::connect) return end_dropped();
      c.negotiate();
      if (p.drop == DropAt::after_negotiate) return end_dropped();
      auto r = c.send_message(env, headers, body, 65535, cut_for(p.drop));
      if (r.cut) return end_dropped();
      double t1 = now_s();
      t.latencies.push_back(t1 - t0);
      ++t.completed;
      check(env.queue_id, p.kind, headers, body, r, c.protocol() & mc::proto::hdr_leadspc, t0, t1, t, resolvers);
      if (p.drop != DropAt::none) {
        ++t.answered_before_cut;  // the answer came before the planned cut (a skip at end of headers)
        c.drop(p.how == DropHow::reset);
      } else {
        c.quit();
      }
    } catch (const std::exception& e) {
      ++t.errors;
      if (t.first_error.empty()) t.first_error = env.queue_id + ": " + e.what();
    }
  }

  void check(const std::string& qid, Kind kind, const Headers& headers, const std::string& body,
             const mc::MessageResult& r, bool leadspc, double t0, double t1, Tally& t,
             std::vector<dns::MemoryResolver>& resolvers) {
    std::vector<int> in_force = timeline_.in_force(t0, t1);
    if (in_force.size() > 1) ++t.straddled;
    auto any_set = [&](auto pred) { return std::any_of(in_force.begin(), in_force.end(), [&](int s) { return pred(sets_[s]); }); };
    bool skipped = r.action == mc::reply::accept && r.before_eom && r.edits.empty();
    bool rejected = r.action == mc::reply::replycode && r.reply_text.starts_with("550 5.7.1 ");
    Answer seen = skipped ? Answer::unsigned_ : rejected ? Answer::rejected : Answer::none;
    std::string what = std::string(kKindNames[static_cast<int>(kind)]) + " message answered '" +
                       std::string(1, r.action ? r.action : '-') + "' " + r.reply_text + " with " +
                       std::to_string(r.edits.size()) + " edits";
    switch (kind) {
      case Kind::signed_small:
      case Kind::signed_big: {
        if (r.action != mc::reply::cont || r.before_eom) return t.wrong_answer(qid, what);
        for (const auto& e : r.edits)
          if (e.kind != mc::reply::insheader || e.index != 0 || e.name != "DKIM-Signature")
            return t.wrong_answer(qid, what + ": an edit other than a DKIM-Signature on top");
        auto msg = mail::parse_message(mc::delivered_message(headers, body, r, leadspc));
        if (!msg) return t.wrong_answer(qid, "the signed message does not parse: " + msg.error().message());
        dkim::VerifyOptions vo;
        vo.now = static_cast<std::int64_t>(std::time(nullptr));
        int by = -1;
        for (std::size_t s = 0; s < sets_.size() && by < 0; ++s) {
          auto v = dkim::verify_message(*msg, resolvers[s], vo);
          bool all = v.size() == sets_[s].selectors &&
                     std::all_of(v.begin(), v.end(), [](const auto& x) { return x.status == dkim::Status::pass; });
          if (all) by = static_cast<int>(s);
        }
        if (by < 0) return t.wrong_answer(qid, what + ": the signatures verify with no key set in the cycle");
        if (std::find(in_force.begin(), in_force.end(), by) == in_force.end())
          return t.wrong_answer(qid, "signed by key set " + sets_[by].name + " (set " + std::to_string(by) +
                                         "), which was not in force during " + timeline_.span(t0, t1) + ": " +
                                         timeline_.describe());
        ++t.signed_by[by];
        seen = Answer::signed_;
        break;
      }
      case Kind::unauthenticated:
      case Kind::other_domain:
        if (!skipped) return t.wrong_answer(qid, what + " (expected unsigned, before the body)");
        break;
      case Kind::not_allowed: {
        bool accept_ok = any_set([](const KeySetInfo& k) { return k.on_mismatch == signing::OnMismatch::accept; });
        bool reject_ok = any_set([](const KeySetInfo& k) { return k.on_mismatch == signing::OnMismatch::reject; });
        if (!(skipped && accept_ok) && !(rejected && reject_ok))
          return t.wrong_answer(qid, what + " (expected what on_mismatch of the set in force says)");
        break;
      }
    }
    ++t.answers[static_cast<int>(seen)];
    t.completed_ids.emplace(qid, std::make_pair(kind, seen));
  }

  const Options& o_;
  const std::vector<KeySetInfo>& sets_;
  const Timeline& timeline_;
  std::string small_, big_;
};

// The milter's own line for each message must say what the client saw, with the kind's policy
// reason; nothing cut before end of message may be logged as signed. Returns the mismatches.
long check_log(const fs::path& log_file, std::uintmax_t from, Tally& t) {
  std::ifstream in(log_file, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(from));
  std::map<std::string, int> lines_per_id;
  long mismatches = 0;
  auto mismatch = [&](const std::string& qid, const std::string& why) {
    ++mismatches;
    if (t.wrong_examples.size() < 10) t.wrong_examples.push_back(qid + ": log: " + why);
  };
  auto field = [](const std::string& line, const std::string& key) {
    auto p = line.find(" " + key + "=");
    if (p == std::string::npos) return std::string();
    p += key.size() + 2;
    return line.substr(p, line.find(' ', p) - p);
  };
  for (std::string line; std::getline(in, line);) {
    auto q = line.find("qid=SOAK");
    if (q == std::string::npos) continue;
    std::string qid = line.substr(q + 4, line.find(' ', q) - q - 4);
    ++lines_per_id[qid];
    std::string decision = field(line, "decision"), reason = field(line, "reason");
    if (t.cut_ids.count(qid)) {
      if (decision == "signed") mismatch(qid, "a message cut before end of message is logged as signed");
      continue;
    }
    auto it = t.completed_ids.find(qid);
    if (it == t.completed_ids.end()) continue;  // failed sessions are counted as errors already
    auto [kind, seen] = it->second;
    static const char* const kDecision[] = {"-", "signed", "skipped", "rejected"};
    static const char* const kReason[] = {"allowed", "allowed", "unauthenticated", "not_allowed", "domain_not_configured"};
    if (decision != kDecision[static_cast<int>(seen)] || reason != kReason[static_cast<int>(kind)])
      mismatch(qid, "decision=" + decision + " reason=" + reason + " for a " + kKindNames[static_cast<int>(kind)] +
                        " message answered " + kDecision[static_cast<int>(seen)]);
  }
  for (const auto& [qid, what] : t.completed_ids)
    if (lines_per_id[qid] != 1) mismatch(qid, std::to_string(lines_per_id[qid]) + " log lines for one message");
  return mismatches;
}

// ---- samples -------------------------------------------------------------------------------

struct Sample {
  std::string label;
  long messages = 0;
  long rss_kib = 0, fds = 0, threads = 0;
};

Sample sample(long pid, std::string label, long messages) {
  return {std::move(label), messages, proc::status_field(pid, "VmRSS:"), proc::open_fds(pid),
          proc::status_field(pid, "Threads:")};
}

// Once the load has paused: waits (up to 5 s) until the milter has closed what the last
// sessions left open, that is until it holds no more descriptors than `idle_fds` (the count
// before any session; none for the first sample) and its threads stopped changing, with no
// reload under way; then samples. A descriptor that never closes shows in the sample.
Sample idle_sample(const Options& o, std::mutex& quiet, std::string label, long messages, long idle_fds = -1) {
  std::lock_guard lock(quiet);
  Sample last = sample(o.pid, label, messages);
  for (int i = 0; i < 50; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    Sample s = sample(o.pid, label, messages);
    bool settled = (idle_fds < 0 ? s.fds == last.fds : s.fds <= idle_fds) && s.threads == last.threads;
    last = s;
    if (settled && i >= 2) break;
  }
  return last;
}

// The highest RSS, descriptors and threads seen while the load runs, every 200 ms.
class Peaks {
 public:
  explicit Peaks(long pid) {
    ticker_.start(0.2, [this, pid] {
      Sample s = sample(pid, "peak", 0);
      peak_.rss_kib = std::max(peak_.rss_kib, s.rss_kib);
      peak_.fds = std::max(peak_.fds, s.fds);
      peak_.threads = std::max(peak_.threads, s.threads);
    });
  }
  Sample stop() {
    ticker_.stop();
    return peak_;
  }

 private:
  Sample peak_{"peak"};
  Every ticker_;
};

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  std::vector<CycleFile> files;
  std::vector<KeySetInfo> sets;
  load_cycle(o, files, sets);
  if (sets.empty()) usage_error("no --cycle file loads; the milter could not have started with one");
  // The set in force at the start: the cycle file whose text the live config holds.
  std::string live = read_file(o.config);
  auto first = std::find_if(files.begin(), files.end(), [&](const CycleFile& f) { return f.text == live && f.set >= 0; });
  if (first == files.end()) usage_error(o.config.string() + " holds none of the valid --cycle files");
  if (!proc::running(o.pid)) usage_error("no process " + std::to_string(o.pid));

  Timeline timeline(first->set);
  std::mutex quiet;
  std::uintmax_t log_start = fs::file_size(o.signer_log);
  Reloader reloader(o, files, static_cast<std::size_t>(first - files.begin()) + 1, timeline, quiet);
  Soak soak(o, sets, timeline);

  std::vector<long> stops = {o.warmup};
  for (long r : o.report_at)
    if (r > 0 && r < o.messages) stops.push_back(r);
  stops.push_back(o.messages);
  std::sort(stops.begin(), stops.end());
  stops.erase(std::unique(stops.begin(), stops.end()), stops.end());

  Tally tally;
  tally.signed_by.resize(sets.size());
  std::vector<Sample> samples;
  samples.push_back(idle_sample(o, quiet, "start", 0));
  reloader.start();
  Peaks peaks(o.pid);
  auto t0 = Clock::now();
  long done = 0;
  for (long stop : stops) {
    soak.run(done, stop, tally);
    done = stop;
    samples.push_back(idle_sample(o, quiet, stop == o.warmup ? "warm-up" : stop == o.messages ? "end" : "report", stop,
                                  samples.front().fds));
  }
  double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  Sample peak = peaks.stop();
  ReloadStats reloads = reloader.stop();
  bool alive = proc::running(o.pid);
  long log_mismatches = check_log(o.signer_log, log_start, tally);

  // Flat after warm-up: no later sample above warm-up's RSS by more than the tolerance, the
  // same descriptors (the load is paused, every session closed), threads within theirs.
  const Sample& warm = *std::find_if(samples.begin(), samples.end(), [](const Sample& s) { return s.label == "warm-up"; });
  std::vector<std::string> not_flat;
  for (const auto& s : samples) {
    if (s.messages <= warm.messages) continue;
    if (s.rss_kib > warm.rss_kib + o.rss_tolerance_kib)
      not_flat.push_back("RSS " + std::to_string(s.rss_kib) + " KiB at " + std::to_string(s.messages) + " messages");
    if (s.fds != warm.fds)
      not_flat.push_back(std::to_string(s.fds) + " descriptors at " + std::to_string(s.messages) + " messages");
    if (s.threads > warm.threads + o.thread_tolerance)
      not_flat.push_back(std::to_string(s.threads) + " threads at " + std::to_string(s.messages) + " messages");
  }
  long dropped = 0;
  for (long d : tally.dropped) dropped += d;
  bool ok = tally.wrong == 0 && log_mismatches == 0 && tally.errors == 0 && alive && not_flat.empty() &&
            reloads.unexpected == 0 && reloads.timeouts == 0;
  std::vector<double> lat = tally.latencies;
  double p50 = bench::percentile(lat, 0.5) * 1000, p99 = bench::percentile(lat, 0.99) * 1000;

  if (o.json) {
    std::printf("{\"messages\":%ld,\"concurrency\":%d,\"seconds\":%.1f,\"completed\":%ld,\"signed\":%ld,"
                "\"unsigned\":%ld,\"rejected\":%ld,\"dropped\":%ld,\"answered_before_cut\":%ld,\"errors\":%ld,"
                "\"wrong\":%ld,\"log_mismatches\":%ld,\"straddled\":%ld,\"crashed\":%s,\"flat\":%s,"
                "\"reloads\":{\"sent\":%ld,\"applied\":%ld,\"refused\":%ld,\"timeouts\":%ld,\"unexpected\":%ld},"
                "\"signed_by\":{",
                o.messages, o.concurrency, wall, tally.completed, tally.answers[1], tally.answers[2], tally.answers[3],
                dropped, tally.answered_before_cut, tally.errors, tally.wrong, log_mismatches, tally.straddled,
                alive ? "false" : "true", not_flat.empty() ? "true" : "false", reloads.sent, reloads.applied,
                reloads.refused, reloads.timeouts, reloads.unexpected);
    for (std::size_t s = 0; s < sets.size(); ++s)
      std::printf("%s\"%s\":%ld", s ? "," : "", sets[s].name.c_str(), tally.signed_by[s]);
    std::printf("},\"dropped_at\":{");
    for (int d = 1; d <= kDropStages; ++d) std::printf("%s\"%s\":%ld", d > 1 ? "," : "", kDropNames[d], tally.dropped[d]);
    std::printf("},\"samples\":[");
    for (std::size_t i = 0; i < samples.size(); ++i)
      std::printf("%s{\"at\":\"%s\",\"messages\":%ld,\"rss_kib\":%ld,\"fds\":%ld,\"threads\":%ld}", i ? "," : "",
                  samples[i].label.c_str(), samples[i].messages, samples[i].rss_kib, samples[i].fds, samples[i].threads);
    std::printf("],\"peak\":{\"rss_kib\":%ld,\"fds\":%ld,\"threads\":%ld},\"p50_ms\":%.2f,\"p99_ms\":%.2f}\n",
                peak.rss_kib, peak.fds, peak.threads, p50, p99);
  } else {
    std::printf("messages %ld at concurrency %d in %.1f s (%.0f/s), drop fraction %.3f, seed %lu\n", o.messages,
                o.concurrency, wall, static_cast<double>(o.messages) / wall, o.drop, o.seed);
    std::printf("  completed %ld: signed %ld, unsigned %ld, rejected %ld (latency p50 %.2f ms, p99 %.2f ms)\n",
                tally.completed, tally.answers[1], tally.answers[2], tally.answers[3], p50, p99);
    std::printf("  signed by key set:");
    for (std::size_t s = 0; s < sets.size(); ++s) std::printf(" %s %ld", sets[s].name.c_str(), tally.signed_by[s]);
    std::printf("; %ld messages straddled a key change\n", tally.straddled);
    std::printf("  dropped %ld:", dropped);
    for (int d = 1; d <= kDropStages; ++d) std::printf(" %s %ld", kDropNames[d], tally.dropped[d]);
    std::printf(" (and %ld answered before their planned cut)\n", tally.answered_before_cut);
    std::printf("  reloads: %ld SIGHUPs, %ld applied, %ld refused, %ld unanswered, %ld not as expected\n", reloads.sent,
                reloads.applied, reloads.refused, reloads.timeouts, reloads.unexpected);
    std::printf("  errors %ld, wrong answers %ld, log mismatches %ld, crashed %s\n", tally.errors, tally.wrong,
                log_mismatches, alive ? "no" : "YES");
    std::printf("  %-8s %9s %10s %5s %8s\n", "sample", "messages", "RSS KiB", "fds", "threads");
    for (const auto& s : samples)
      std::printf("  %-8s %9ld %10ld %5ld %8ld\n", s.label.c_str(), s.messages, s.rss_kib, s.fds, s.threads);
    std::printf("  %-8s %9s %10ld %5ld %8ld\n", "peak", "-", peak.rss_kib, peak.fds, peak.threads);
    std::printf("  flat after warm-up (RSS within %ld KiB, same descriptors, threads within %ld): %s\n",
                o.rss_tolerance_kib, o.thread_tolerance, not_flat.empty() ? "yes" : "NO");
  }
  for (const auto& w : tally.wrong_examples) std::fprintf(stderr, "milter_soak: wrong: %s\n", w.c_str());
  for (const auto& n : not_flat) std::fprintf(stderr, "milter_soak: not flat: %s\n", n.c_str());
  if (!tally.first_error.empty()) std::fprintf(stderr, "milter_soak: first error: %s\n", tally.first_error.c_str());
  if (!reloads.first_unexpected.empty())
    std::fprintf(stderr, "milter_soak: reload: %s\n", reloads.first_unexpected.c_str());
  if (!alive) std::fprintf(stderr, "milter_soak: the milter (pid %ld) is gone\n", o.pid);
  return ok ? 0 : 1;
}
