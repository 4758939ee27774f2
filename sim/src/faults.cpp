// Fault injection (faults.hpp).
#include "telsim/sim/faults.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "telsim/models/duration.hpp"
#include "telsim/models/random.hpp"
#include "telsim/models/tapi_names.hpp"

namespace telsim {

namespace {

constexpr std::array<std::string_view, 17> kKeys = {"op",    "line",  "nth",   "probability", "stream",  "error",
                                                    "reply", "delay", "at",    "for",         "link",    "restart",
                                                    "out_of_service", "event", "state", "duplicate", "stall"};
constexpr std::array<std::string_view, 7> kRequestKeys = {"op", "line", "nth", "probability", "stream", "error", "reply"};

std::string seconds(Duration d) { return format_duration(d); }

}  // namespace

FaultSpec decode_fault(const ArgSource& a) {
  for (const std::string& k : a.keys())
    if (std::find(kKeys.begin(), kKeys.end(), k) == kKeys.end())
      a.fail(k, LineErr::InvalParam,
             fmt::format("'{}' is not a fault key (op, line, nth, probability, stream, error, reply, delay; event, "
                         "state, duplicate; at, for, link, stall, restart, out_of_service)",
                         k));
  const auto duration = [&](std::string_view key) {
    const std::string t = *a.text(key, LineErr::InvalParam);
    const auto d = parse_duration(t);
    if (!d || *d < Duration::zero())
      a.fail(key, LineErr::InvalParam, fmt::format("bad duration '{}' for {} (250ms, 5s, 2min)", t, key));
    return *d;
  };
  FaultSpec f;
  const int kinds = int(a.has("op")) + int(a.has("event")) + int(a.has("link")) + int(a.has("stall")) +
                    int(a.has("restart")) + int(a.has("out_of_service"));
  if (kinds != 1)
    a.fail_here(LineErr::InvalParam, "a fault is one of: a request fault (op: ...), an event fault (event: call_state), "
                                     "link: down, stall: server, restart: switch, out_of_service: NAME");
  const auto which = [&] {
    if (const auto l = a.text("line", LineErr::InvalParam)) f.line = *l;
    if (const auto n = a.integer("nth", LineErr::InvalParam)) {
      if (*n < 1) a.fail("nth", LineErr::InvalParam, "nth counts from 1 (the first match)");
      f.nth = static_cast<std::uint64_t>(*n);
    }
    if (const auto p = a.number("probability", LineErr::InvalParam)) {
      if (!(*p > 0.0 && *p <= 1.0)) a.fail("probability", LineErr::InvalParam, "probability is above 0 and at most 1");
      if (f.nth) a.fail("probability", LineErr::InvalParam, "a fault takes nth or probability, not both");
      f.probability = *p;
      f.stream = a.text("stream", LineErr::InvalParam).value_or("faults");
    } else if (a.has("stream")) {
      a.fail("stream", LineErr::InvalParam, "'stream' names where a probability is drawn from: give 'probability'");
    }
  };
  if (a.has("event")) {
    f.kind = FaultSpec::Kind::Event;
    if (*a.text("event", LineErr::InvalParam) != "call_state")
      a.fail("event", LineErr::InvalParam, "event faults act on call_state reports (event: call_state)");
    for (std::string_view k : {"error", "reply", "at", "for"})
      if (a.has(k)) a.fail(k, LineErr::InvalParam, fmt::format("'{}' does not belong to an event fault", k));
    if (const auto st = a.text("state", LineErr::InvalParam)) {
      f.state = parse_call_state(*st);
      if (!f.state) a.fail("state", LineErr::InvalParam, fmt::format("'{}' is not a call state", *st));
    }
    which();
    if (int(a.has("delay")) + int(a.has("duplicate")) != 1)
      a.fail_here(LineErr::InvalParam, "an event fault does one thing: delay: D (the report that late) or duplicate: true");
    if (a.has("delay")) f.reply_delay = duration("delay");
    else if (*a.text("duplicate", LineErr::InvalParam) == "true") f.duplicate = true;
    else a.fail("duplicate", LineErr::InvalParam, "duplicate: true tells the report twice");
    return f;
  }
  for (std::string_view k : {"state", "duplicate"})
    if (a.has(k)) a.fail(k, LineErr::InvalParam, fmt::format("'{}' belongs to an event fault (event: call_state)", k));
  if (a.has("at")) f.at = SimTime(duration("at"));
  if (!a.has("op")) {
    for (std::string_view k : kRequestKeys)
      if (a.has(k)) a.fail(k, LineErr::InvalParam, fmt::format("'{}' belongs to a request fault (op: ...)", k));
    if (a.has("delay")) a.fail("delay", LineErr::InvalParam, "'delay' belongs to a request fault (op: ...)");
    if (a.has("link")) {
      f.kind = FaultSpec::Kind::LinkDown;
      if (*a.text("link", LineErr::InvalParam) != "down")
        a.fail("link", LineErr::InvalParam, "link: down is the link fault (with `at` and `for`)");
    } else if (a.has("stall")) {
      f.kind = FaultSpec::Kind::Stall;
      if (*a.text("stall", LineErr::InvalParam) != "server")
        a.fail("stall", LineErr::InvalParam, "stall: server stalls the switch (with `at` and `for`)");
    } else if (a.has("restart")) {
      f.kind = FaultSpec::Kind::Restart;
      if (*a.text("restart", LineErr::InvalParam) != "switch")
        a.fail("restart", LineErr::InvalParam, "restart: switch restarts the switch (with `at`)");
      if (a.has("for")) a.fail("for", LineErr::InvalParam, "a restart is instant: it takes no 'for'");
    } else {
      f.kind = FaultSpec::Kind::OutOfService;
      f.target = *a.text("out_of_service", LineErr::InvalParam);
    }
    if (f.kind != FaultSpec::Kind::Restart) {
      if (!a.has("for")) a.fail_here(LineErr::InvalParam, "this fault needs 'for': how long it lasts");
      f.period = duration("for");
      if (f.period <= Duration::zero()) a.fail("for", LineErr::InvalParam, "'for' must be longer than 0");
    }
    return f;
  }
  f.kind = FaultSpec::Kind::Request;
  const std::string op = *a.text("op", LineErr::InvalParam);
  const OpInfo* info = find_operation(op);
  if (!info) a.fail("op", LineErr::InvalParam, fmt::format("'{}' is not an operation (telsim operations lists them)", op));
  f.op = info->op;
  if (a.has("for")) a.fail("for", LineErr::InvalParam, "'for' belongs to link and out_of_service faults");
  if (a.has("at")) a.fail("at", LineErr::InvalParam, "a request fault has no 'at': it acts on the requests it matches");
  which();
  const int actions = int(a.has("error")) + int(a.has("reply")) + int(a.has("delay"));
  if (actions != 1)
    a.fail_here(LineErr::InvalParam,
                "a request fault does one thing: error: LINEERR_..., reply: never, or delay: D (the reply that late)");
  if (a.has("error")) {
    const std::string e = *a.text("error", LineErr::InvalParam);
    const auto err = parse_line_err(e);
    if (!err || *err == LineErr::Success)
      a.fail("error", LineErr::InvalParam, fmt::format("'{}' is not a LINEERR name (LINEERR_RESOURCEUNAVAIL ...)", e));
    f.error = err;
  } else if (a.has("reply")) {
    if (*a.text("reply", LineErr::InvalParam) != "never")
      a.fail("reply", LineErr::InvalParam, "reply: never loses the reply (the request never completes)");
    f.reply_never = true;
  } else {
    f.reply_delay = duration("delay");
  }
  return f;
}

std::string describe(const FaultSpec& f) {
  switch (f.kind) {
    case FaultSpec::Kind::LinkDown: return fmt::format("link down at {} for {}", seconds(f.at), seconds(f.period));
    case FaultSpec::Kind::Stall: return fmt::format("server stall at {} for {}", seconds(f.at), seconds(f.period));
    case FaultSpec::Kind::Restart: return fmt::format("switch restart at {}", seconds(f.at));
    case FaultSpec::Kind::OutOfService:
      return fmt::format("{} out of service at {} for {}", f.target, seconds(f.at), seconds(f.period));
    case FaultSpec::Kind::Event:
    case FaultSpec::Kind::Request: break;
  }
  std::string which = f.kind == FaultSpec::Kind::Event
                          ? "call_state" + (f.state ? " " + std::string(to_string(*f.state)) : std::string())
                          : std::string(to_string(*f.op));
  if (!f.line.empty()) which += " on " + f.line;
  if (f.nth) which += fmt::format(" #{}", f.nth);
  if (f.probability) which += fmt::format(" p={} ({})", *f.probability, f.stream);
  if (f.error) return fmt::format("{}: {}", which, tapi_name(*f.error));
  if (f.reply_never) return which + ": reply never";
  if (f.duplicate) return which + ": told twice";
  if (f.kind == FaultSpec::Kind::Event) return fmt::format("{}: told {} late", which, seconds(f.reply_delay));
  return fmt::format("{}: reply {} late", which, seconds(f.reply_delay));
}

FaultInjector::FaultInjector(Pbx& pbx, Scheduler& scheduler, std::uint64_t seed, std::vector<FaultSpec> faults)
    : pbx_(pbx), scheduler_(scheduler), seed_(seed), faults_(std::move(faults)), matched_(faults_.size(), 0) {
  for (const FaultSpec& f : faults_)
    if (f.kind == FaultSpec::Kind::Event) watch_reports();
}

void FaultInjector::watch_reports() {
  // Only a run with event faults pays for a look at every state report.
  if (!watching_reports_)
    pbx_.set_report_filter([this](const Call& call, CallState shown) { return on_report(call, shown); });
  watching_reports_ = true;
}

FaultInjector::~FaultInjector() { pbx_.set_report_filter(nullptr); }

bool FaultInjector::takes(std::size_t i) {
  const FaultSpec& f = faults_[i];
  const std::uint64_t n = ++matched_[i];
  if (f.nth) return n == f.nth;
  if (!f.probability) return true;
  auto it = streams_.find(f.stream);
  if (it == streams_.end()) it = streams_.emplace(f.stream, random_stream(seed_, "fault:" + f.stream)).first;
  return unit_uniform(it->second) < *f.probability;
}

Pbx::ReportFault FaultInjector::on_report(const Call& call, CallState shown) {
  Pbx::ReportFault out;
  for (std::size_t i = 0; i < faults_.size(); ++i) {
    const FaultSpec& f = faults_[i];
    if (f.kind != FaultSpec::Kind::Event || (f.state && *f.state != shown)) continue;
    const std::string& number = pbx_.line(call.line).number;
    if (!f.line.empty() && f.line != number) continue;
    if (!takes(i)) continue;
    const std::string to = fmt::format("line {} ({})", number, to_string(call.id));
    if (f.duplicate) {
      note(i, fmt::format("call_state {} told twice", to_string(shown)), to);
      out.duplicate = true;
    } else {
      note(i, fmt::format("call_state {} told {} late", to_string(shown), seconds(f.reply_delay)), to);
      out.delay = std::max(out.delay, f.reply_delay);
    }
  }
  return out;
}

void FaultInjector::start() {
  for (std::size_t i = 0; i < faults_.size(); ++i) arm(i);
}

int FaultInjector::add(FaultSpec fault) {
  if (fault.kind != FaultSpec::Kind::Request && fault.kind != FaultSpec::Kind::Event && fault.at < scheduler_.now())
    fault.at = scheduler_.now();
  if (fault.kind == FaultSpec::Kind::Event) watch_reports();
  faults_.push_back(std::move(fault));
  matched_.push_back(0);
  arm(faults_.size() - 1);
  return static_cast<int>(faults_.size());
}

void FaultInjector::arm(std::size_t i) {
  if (faults_[i].kind == FaultSpec::Kind::Request || faults_[i].kind == FaultSpec::Kind::Event) return;
  const SimTime now = scheduler_.now();
  const Duration wait = faults_[i].at > now ? faults_[i].at - now : Duration::zero();
  scheduler_.schedule(wait, [this, i] { act(i); });
}

void FaultInjector::note(std::size_t i, std::string what, std::string to) {
  log_.push_back(FaultRecord{scheduler_.now(), static_cast<int>(i + 1), std::move(what), std::move(to)});
}

void FaultInjector::act(std::size_t i) {
  const FaultSpec& f = faults_[i];
  switch (f.kind) {
    case FaultSpec::Kind::Request:
    case FaultSpec::Kind::Event: return;
    case FaultSpec::Kind::LinkDown: {
      const SimTime until = scheduler_.now() + f.period;
      if (link_down_until_ && *link_down_until_ >= until) return;  // an outage already covers it
      const bool was_down = link_down_until_.has_value();
      link_down_until_ = until;
      note(i, fmt::format("link down for {}", seconds(f.period)), "every application");
      if (!was_down && link_hook_) link_hook_(true);
      scheduler_.schedule(f.period, [this, i, until] {
        if (!link_down_until_ || *link_down_until_ != until) return;  // a later outage goes on
        link_down_until_.reset();
        note(i, "link up", "every application");
        if (link_hook_) link_hook_(false);
      });
      return;
    }
    case FaultSpec::Kind::Stall: {
      const SimTime until = scheduler_.now() + f.period;
      if (stalled_until_ && *stalled_until_ >= until) return;
      const bool was = stalled_until_.has_value();
      stalled_until_ = until;
      note(i, fmt::format("stalled for {}", seconds(f.period)), "the switch");
      if (!was && stall_hook_) stall_hook_(true);
      scheduler_.schedule(f.period, [this, i, until] {
        if (!stalled_until_ || *stalled_until_ != until) return;
        stalled_until_.reset();
        note(i, "resumed", "the switch");
        if (stall_hook_) stall_hook_(false);
      });
      return;
    }
    case FaultSpec::Kind::Restart: {
      const std::size_t cleared = pbx_.restart();
      note(i, fmt::format("switch restart: {} call{} cleared (TEMPFAILURE)", cleared, cleared == 1 ? "" : "s"),
           "the switch");
      return;
    }
    case FaultSpec::Kind::OutOfService: {
      // By value: the callback outlives this call, and `faults_` may grow (inject) meanwhile.
      const std::string target = f.target;
      const auto set = [this, target](bool in_service) -> std::size_t {
        if (const auto line = pbx_.find_line(target); line && *line < pbx_.extension_count())
          return pbx_.set_in_service(*line, in_service);
        return pbx_.set_trunk_in_service(*pbx_.find_trunk(target), in_service);
      };
      const bool is_line = pbx_.find_line(target).has_value();
      const std::string who = fmt::format("{} {}", is_line ? "extension" : "trunk group", target);
      const std::size_t cleared = set(false);
      note(i, fmt::format("out of service for {}: {} call{} cleared (OUTOFORDER)", seconds(f.period), cleared,
                          cleared == 1 ? "" : "s"),
           who);
      scheduler_.schedule(f.period, [this, i, set, who] {
        set(true);
        note(i, "back in service", who);
      });
      return;
    }
  }
}

std::optional<OpResult> FaultInjector::before(const Command& c, const std::string& line,
                                              RequestPath::ReplyFate& fate) {
  const CallId subject = subject_call(c);
  const std::string to = subject ? fmt::format("line {} ({})", line, to_string(subject)) : fmt::format("line {}", line);
  if (link_down_until_) {
    OpResult r;
    r.op = c.op;
    r.error = LineErr::OperationFailed;
    r.call = subject;
    r.detail = fmt::format("the link to the switch is down until {} (an injected fault)",
                           seconds(*link_down_until_));
    return r;
  }
  // A stalled switch answers a request only once it resumes.
  if (stalled_until_) {
    fate.delay += *stalled_until_ - scheduler_.now();
    if (fate.why.empty()) fate.why = "the stall";
  }
  for (std::size_t i = 0; i < faults_.size(); ++i) {
    const FaultSpec& f = faults_[i];
    if (f.kind != FaultSpec::Kind::Request || *f.op != c.op) continue;
    if (!f.line.empty() && f.line != line) continue;
    if (!takes(i)) continue;
    const std::string which = fmt::format("fault {}", i + 1);
    if (f.error) {
      note(i, fmt::format("refused {}: {}", to_string(c.op), tapi_name(*f.error)), to);
      OpResult r;
      r.op = c.op;
      r.error = *f.error;
      r.call = subject;
      r.detail = fmt::format("injected by {} ({})", which, describe(f));
      return r;
    }
    if (f.reply_never) {
      note(i, fmt::format("{}: reply lost", to_string(c.op)), to);
      fate.lost = true;
      fate.why = which;
    } else {
      note(i, fmt::format("{}: reply {} late", to_string(c.op), seconds(f.reply_delay)), to);
      fate.delay += f.reply_delay;
      if (fate.why.empty()) fate.why = which;
    }
  }
  return std::nullopt;
}

}  // namespace telsim
