#include "telsim/sim/runner.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "telsim/models/tapi_names.hpp"

namespace telsim {
namespace {

constexpr std::size_t kModemOutputKept = 16 * 1024;

std::string history_text(const std::vector<CallState>& h) {
  std::string out;
  for (CallState s : h) out += (out.empty() ? "" : ">") + std::string(to_string(s));
  return out.empty() ? "(none)" : out;
}

std::vector<CallState> states_of(const std::vector<StateStamp>& stamps) {
  std::vector<CallState> out;
  out.reserve(stamps.size());
  for (const StateStamp& s : stamps) out.push_back(s.state);
  return out;
}

/// Do the conditions of `e` hold for a call seen as (state, mode, reason, history)?
constexpr std::uint32_t kMediaFeatures = media_features();

bool conditions_hold(const Expectation& e, CallState state, DisconnectMode mode, CallReason reason,
                     const std::vector<CallState>& history, std::uint32_t features) {
  if (e.state && state != *e.state) return false;
  if (e.mode && mode != *e.mode) return false;
  if (e.reason && reason != *e.reason) return false;
  if (e.history && history != *e.history) return false;
  if (e.features) {
    // The media operations' features (GENERATEDIGITS ... SETCALLDATA) are allowed in most states:
    // compared only when the expectation names one of them.
    const std::uint32_t compared = (*e.features & kMediaFeatures) ? ~0u : ~kMediaFeatures;
    if ((features & compared) != *e.features) return false;
  }
  return true;
}

std::string call_view(const std::string& label, CallState state, DisconnectMode mode,
                      CallReason reason, const std::vector<CallState>& history) {
  std::string out = fmt::format("{} is {}", label, to_string(state));
  if (mode != DisconnectMode::None) out += fmt::format(" (mode {})", to_string(mode));
  out += fmt::format(", reason {}, history {}", to_string(reason), history_text(history));
  return out;
}

}  // namespace

ScenarioRunner::ScenarioRunner(const Scenario& scenario, Pbx& pbx, RequestPath& path, Scheduler& scheduler,
                               ModemBank* modems)
    : scenario_(scenario), pbx_(pbx), path_(path), scheduler_(scheduler), modems_(modems) {
  if (!modems_) return;
  for (std::size_t i = 0; i < modems_->size(); ++i) {
    modems_->modem(i).add_observer(this);
    modem_output_[modems_->modem(i).name()];
  }
}

ScenarioRunner::~ScenarioRunner() {
  if (!modems_) return;
  for (std::size_t i = 0; i < modems_->size(); ++i) modems_->modem(i).remove_observer(this);
}

void ScenarioRunner::start() { proceed(); }

void ScenarioRunner::proceed() {
  continuation_scheduled_ = false;
  while (next_ < scenario_.steps.size()) {
    const Step& st = scenario_.steps[next_];
    if (timed_ != next_) {
      const SimTime now = scheduler_.now();
      SimTime due = now;
      if (st.at) due = std::max(now, *st.at);
      if (st.after) due = now + *st.after;
      if (due > now) {
        timed_ = next_;
        scheduler_.schedule(due - now, [this] { proceed(); });
        return;
      }
    }
    if (!execute(st)) return;  // an expectation is waiting; an event or its deadline resumes us
    ++next_;
  }
}

bool ScenarioRunner::execute(const Step& step) {
  switch (step.kind) {
    case Step::Kind::Do:
      return execute_do(step);
    case Step::Kind::Modem:
      execute_modem(step);
      return true;
    case Step::Kind::Expect:
      return execute_expect(step);
  }
  return true;
}

void ScenarioRunner::execute_modem(const Step& step) {
  Modem* m = modems_ ? modems_->find(step.modem) : nullptr;
  if (!m) {
    record(step, false, describe(step), fmt::format("there is no modem '{}'", step.modem));
    return;
  }
  if (step.dtr) m->set_dtr(*step.dtr);
  else m->from_dte(step.data);
}

CallId ScenarioRunner::resolve_call(const Step& step) const {
  const Request& rq = step.request;
  if (!rq.call.empty()) {
    auto it = tracked_.find(rq.call);
    return it == tracked_.end() ? CallId{} : it->second.id;
  }
  const auto line = pbx_.find_line(rq.line);
  if (!line) return {};
  // The oldest call on the line that the operation applies to; failing that, the oldest call
  // that is not IDLE, so the PBX can say why the operation does not apply.
  const CallInput input = step.request.op->input.value_or(CallInput::Drop);
  CallId fallback;
  for (CallId id : pbx_.line(*line).calls) {
    const Call* c = pbx_.find_call(id);
    if (!c) continue;
    if (next_state(c->state, input)) return id;
    if (!fallback && c->state != CallState::Idle) fallback = id;
  }
  return fallback;
}

Command ScenarioRunner::command_of(const Step& step) const {
  const Request& rq = step.request;
  auto named = [&](const std::string& name) {
    if (name.empty()) return CallId{};
    auto it = tracked_.find(name);
    return it == tracked_.end() ? CallId{} : it->second.id;
  };
  Command c;
  c.op = step.op;
  c.requester = step.controller;
  if (step.request.op->subject == Subject::Line) {
    if (const auto line = pbx_.find_line(rq.line)) c.line = *line;
  }
  if (step.request.op->subject == Subject::Call) c.call = resolve_call(step);
  c.consult = named(rq.consult);
  c.held = named(rq.held);
  c.conference = named(rq.conference);
  c.to = rq.to;
  c.digits = rq.digits;
  c.orbit = rq.orbit;
  c.group = rq.group;
  c.address = rq.address;
  c.forwarding = rq.forwarding;
  c.params = rq.params;
  c.media = rq.media;
  c.agent = rq.agent;
  if (rq.park_mode) c.park_mode = *rq.park_mode;
  c.transfer_mode = rq.transfer_mode;
  c.completion_mode = rq.completion_mode;
  if (step.op == Op::UncompleteCall) {
    // A completion_as name, or an id as a number (the loader checked it fits 32 bits).
    c.completion = completion_id(rq.completion).value_or(0);
  }
  return c;
}

std::optional<std::uint32_t> ScenarioRunner::completion_id(const std::string& text) const {
  // A completion_as name (known once its complete_call succeeded), or an id as a number (the
  // loader checked it fits 32 bits); "" is 0, none.
  if (const auto it = completions_.find(text); it != completions_.end()) return it->second;
  if (text.empty()) return 0u;
  if (!std::all_of(text.begin(), text.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) return std::nullopt;
  return static_cast<std::uint32_t>(std::stoul(text));
}

bool ScenarioRunner::execute_do(const Step& step) {
  const Request& rq = step.request;
  for (const std::string* name : {&rq.call, &rq.consult, &rq.held, &rq.conference}) {
    if (!name->empty() && !tracked_.count(*name)) {
      record(step, false, describe(step),
             fmt::format("call '{}' was never matched: the step that names it failed", *name));
      return true;
    }
  }
  if (step.op == Op::UncompleteCall && !completion_id(rq.completion)) {
    record(step, false, describe(step),
           fmt::format("completion '{}' was never given: the complete_call that names it failed", rq.completion));
    return true;
  }
  // A switch that takes time to reply (reply_delay): the step waits for the reply, as an
  // application waits for its LINE_REPLY. The switch acts when it replies (reply_order
  // before_events), or at once and replies later (after_events). A fault may make the reply
  // later still, or lose it.
  const Command command = command_of(step);
  const Duration delay = pbx_.next_reply_delay();
  if (delay > Duration::zero() && pbx_.profile().reply_order == ReplyOrder::BeforeEvents) {
    reply_timer_ = scheduler_.schedule(delay, [this, command] {
      reply_timer_ = {};
      const OpResult r = path_.execute(command);
      const RequestPath::ReplyFate fate = path_.last_fate();
      if (await_reply(scenario_.steps[next_], r, fate.delay, fate)) {
        ++next_;
        proceed();
      }
    });
    return false;
  }
  const OpResult r = path_.execute(command);
  const RequestPath::ReplyFate fate = path_.last_fate();
  return await_reply(step, r, delay + fate.delay, fate);
}

bool ScenarioRunner::await_reply(const Step& step, const OpResult& r, Duration wait,
                                 const RequestPath::ReplyFate& fate) {
  if (fate.lost) {
    // The switch acted, but the requester never hears: it cannot name what it created.
    last_error_.reset();
    record(step, step.reply_none, describe(step),
           step.reply_none ? "" : fmt::format("no reply came ({} lost it): the request never completes", fate.why));
    return true;
  }
  if (wait <= Duration::zero()) {
    finish_do(step, r);
    return true;
  }
  reply_timer_ = scheduler_.schedule(wait, [this, r] {
    reply_timer_ = {};
    finish_do(scenario_.steps[next_], r);
    ++next_;
    proceed();
  });
  return false;
}

void ScenarioRunner::finish_do(const Step& step, const OpResult& r) {
  last_error_ = r.error;
  if (step.reply_none) {
    record(step, false, describe(step),
           fmt::format("expected no reply (reply: none), but it came: {}",
                       r.ok() ? std::string("success") : std::string(tapi_name(r.error))));
    return;
  }
  if (r.ok() && step.op == Op::GatherDigits && !step.as.empty()) {
    // `as` names the gather: its LINE_GATHERDIGITS is recorded under that name.
    gathering_[r.call.serial] = step.as;
  } else if (r.ok() && !step.as.empty()) {
    // setup_transfer and prepare_add_to_conference name their consultation call with `as`.
    const bool names_consult = step.request.op->creates == Creates::Consult;
    track(step.as, names_consult ? r.consult : r.call);
  }
  if (r.ok() && !step.consult_as.empty()) track(step.consult_as, r.consult);
  if (r.ok() && !step.completion_as.empty()) completions_[step.completion_as] = r.completion;
  if (r.ok() && !step.returns.empty()) {
    const bool ok = r.address == step.returns;
    record(step, ok, describe(step), ok ? "" : fmt::format("it returned '{}'", r.address));
    return;
  }
  if (step.expect_error) {
    const bool ok = r.error == *step.expect_error;
    record(step, ok, describe(step),
           ok ? "" : fmt::format("expected {}, got {}", tapi_name(*step.expect_error), tapi_name(r.error)));
  } else if (!r.ok()) {
    std::string why = tapi_name(r.error);
    if (!r.detail.empty()) why += fmt::format(" ({})", r.detail);  // the actual reason, not the call's state
    record(step, false, describe(step), "refused: " + why);
  }
}

bool ScenarioRunner::execute_expect(const Step& step) {
  const Verdict v = evaluate(step);
  if (v.holds) {
    accept(step, v);
    if (!step.as.empty()) track(step.as, v.matched);
    record(step, true, describe(step), "");
    return true;
  }
  if (step.within == Duration::zero()) {
    record(step, false, describe(step), v.observed);
    return true;
  }
  waiting_ = true;
  deadline_ = scheduler_.schedule(step.within, [this] {
    deadline_ = {};
    settle(false, evaluate(scenario_.steps[next_]).observed);
    proceed();
  });
  return false;
}

void ScenarioRunner::settle(bool ok, const std::string& message) {
  const Step& step = scenario_.steps[next_];
  waiting_ = false;
  scheduler_.cancel(deadline_);
  record(step, ok, describe(step), message);
  ++next_;
}

void ScenarioRunner::on_call_state(const CallStateEvent& event) {
  if (auto it = tracked_by_serial_.find(event.call.serial); it != tracked_by_serial_.end()) {
    Tracked& t = tracked_[it->second];
    t.state = event.to;
    t.mode = event.mode;
    t.reason = event.reason;
    t.history.push_back(StateStamp{event.to, event.at});
  }
  // Checked at every state change, so a state that lasts no time at all still counts.
  recheck();
}

void ScenarioRunner::log_media(CallId id, std::string what) {
  const Call* c = pbx_.find_call(id);
  if (!c) return;
  media_log_.push_back(MediaRecord{scheduler_.now(), pbx_.line(c->line).number, id.serial, std::move(what)});
}

void ScenarioRunner::on_call_info(CallId id, std::uint32_t infostate) {
  const Call* c = pbx_.find_call(id);
  if (c && (infostate & callinfo::kUserUserInfo) && !c->user_user_info.empty())
    log_media(id, fmt::format("UUI \"{}\"", c->user_user_info));
  if (c && (infostate & callinfo::kCallData)) log_media(id, fmt::format("call data \"{}\"", c->call_data));
  if (c && (infostate & callinfo::kTreatment)) log_media(id, fmt::format("treatment {}", to_string(c->treatment)));
  recheck();
}

void ScenarioRunner::on_media(const MediaEvent& e) {
  Heard& h = heard_[e.call.serial];
  // The ladder's marks: digits heard within a second of each other as one ("hears 12#").
  switch (e.kind) {
    case MediaEvent::Kind::Heard:
      if (e.digit && !media_log_.empty() && media_log_.back().call == e.call.serial &&
          media_log_.back().what.rfind("hears digits ", 0) == 0 && e.at - media_log_.back().at <= std::chrono::seconds(1))
        media_log_.back().what += e.digit;
      else
        log_media(e.call, e.digit ? fmt::format("hears digits {}", e.digit) : telsim::describe(e));
      break;
    case MediaEvent::Kind::MonitorDigit:
    case MediaEvent::Kind::MonitorMedia: break;  // the Heard and Detected marks say it
    default: log_media(e.call, telsim::describe(e)); break;
  }
  switch (e.kind) {
    case MediaEvent::Kind::MonitorDigit:
      if (e.value != digit_mode::kDtmfEnd) h.monitored += e.digit;
      break;
    case MediaEvent::Kind::MonitorTone: h.tones.push_back(e.value); break;
    case MediaEvent::Kind::Generate: h.generate = static_cast<GenerateTerm>(e.value); break;
    case MediaEvent::Kind::Gather:
      if (const auto it = gathering_.find(e.call.serial); it != gathering_.end()) {
        gathers_[it->second] = GatherResult{static_cast<GatherTerm>(e.value), e.text};
        gathering_.erase(it);
      }
      break;
    default: break;
  }
  recheck();
}

void ScenarioRunner::recheck() {
  if (!waiting_) return;
  const Step& step = scenario_.steps[next_];
  const Verdict v = evaluate(step);
  if (!v.holds) return;
  accept(step, v);
  if (!step.as.empty()) track(step.as, v.matched);
  settle(true, "");
  // We are inside the PBX's notification: resume the steps once it has finished.
  if (!continuation_scheduled_) {
    continuation_scheduled_ = true;
    scheduler_.schedule(Duration::zero(), [this] { proceed(); });
  }
}

void ScenarioRunner::on_call_record(const CallRecord& record) {
  if (sink_) sink_->add(record);
  else records_.push_back(record);
}

void ScenarioRunner::on_modem_output(const Modem& modem, std::string_view bytes) {
  auto it = modem_output_.find(modem.name());
  if (it == modem_output_.end()) return;
  std::string& out = it->second;
  out.append(bytes);
  // std::regex recurses per character matched: keep what expectations search bounded.
  if (out.size() > kModemOutputKept) out.erase(0, out.size() - kModemOutputKept);
  recheck();
}

void ScenarioRunner::on_modem_state(const Modem& /*modem*/) { recheck(); }
void ScenarioRunner::on_agent_status(LineId /*line*/, std::uint32_t /*changed*/) { recheck(); }
void ScenarioRunner::on_queue_status(std::size_t /*queue*/) { recheck(); }

void ScenarioRunner::accept(const Step& step, const Verdict& v) {
  if (step.expect.modem.empty() || v.output_used == 0) return;
  modem_output_[step.expect.modem].erase(0, v.output_used);
}

namespace {
/// Modem output as a message can show it: the last `max` bytes, control characters escaped.
std::string printable_tail(std::string_view text, std::size_t max) {
  std::string out;
  if (text.size() > max) {
    text = text.substr(text.size() - max);
    out = "...";
  }
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '\r') out += "\\r";
    else if (ch == '\n') out += "\\n";
    else if (ch == '"' || ch == '\\') out += fmt::format("\\{}", ch);
    else if (c < 0x20 || c >= 0x7f) out += fmt::format("\\x{:02x}", c);
    else out += ch;
  }
  return out;
}
}  // namespace

ScenarioRunner::Verdict ScenarioRunner::evaluate_modem(const Step& step) const {
  const Expectation& e = step.expect;
  Verdict v;
  const Modem* m = modems_ ? modems_->find(e.modem) : nullptr;
  if (!m) {
    v.observed = fmt::format("there is no modem '{}'", e.modem);
    return v;
  }
  bool holds = (!e.dcd || m->dcd() == *e.dcd) && (!e.modem_state || m->state() == *e.modem_state);
  const auto it = modem_output_.find(e.modem);
  const std::string& out = it->second;
  if (holds && e.output) {
    auto re = output_res_.find(step.index);
    if (re == output_res_.end()) re = output_res_.emplace(step.index, std::regex(*e.output, std::regex::ECMAScript)).first;
    std::smatch match;
    if (std::regex_search(out, match, re->second))
      v.output_used = static_cast<std::size_t>(match.position(0) + match.length(0));
    else
      holds = false;
  }
  v.holds = holds;
  if (!holds) {
    v.observed = fmt::format("modem {} is {} with DCD {}{}", e.modem, to_string(m->state()), m->dcd() ? "on" : "off",
                             out.empty() ? std::string(", and has said nothing new")
                                         : fmt::format(", and said \"{}\"", printable_tail(out, 160)));
  }
  return v;
}

void ScenarioRunner::track(const std::string& name, CallId id) {
  const Call* c = pbx_.find_call(id);
  if (!c) return;
  tracked_[name] = Tracked{id, c->shown, c->mode, c->reason, c->history};
  tracked_by_serial_[id.serial] = name;
}

ScenarioRunner::Verdict ScenarioRunner::evaluate_call(const Expectation& e, const Tracked& t) const {
  Verdict v;
  const std::vector<CallState> history = states_of(t.history);
  // A live call's features depend on its line too; a deallocated one keeps its state's.
  const std::uint32_t features =
      pbx_.find_call(t.id) ? pbx_.call_features(t.id) : allowed_features(t.state);
  // The reason may change without a state change (a camped-on call that goes on): a live call's own.
  const Call* live = pbx_.find_call(t.id);
  const CallReason reason = live ? live->reason : t.reason;
  v.holds = conditions_hold(e, t.state, t.mode, reason, history, features);
  if (!v.holds && e.state && !e.history) {
    // A state the call entered at this very instant counts even if it has already moved on:
    // an automatic station is DISCONNECTED and IDLE at the same virtual time.
    const SimTime now = scheduler_.now();
    for (auto it = t.history.rbegin(); it != t.history.rend() && it->at == now; ++it) {
      if (conditions_hold(e, it->state, t.mode, reason, history, allowed_features(it->state)))
        v.holds = true;
    }
  }
  if (v.holds && e.related) {
    std::vector<std::uint32_t> want;
    for (const std::string& name : *e.related) want.push_back(tracked_.at(name).id.serial);
    std::vector<std::uint32_t> got;
    for (CallId id : pbx_.conference_related(t.id)) got.push_back(id.serial);
    std::sort(want.begin(), want.end());
    std::sort(got.begin(), got.end());
    if (want != got) {
      v.holds = false;
      std::string names;
      for (std::uint32_t serial : got) {
        auto it = tracked_by_serial_.find(serial);
        names += (names.empty() ? "" : ", ") + (it != tracked_by_serial_.end() ? it->second : fmt::format("c{}", serial));
      }
      v.observed = fmt::format("{}'s related calls are [{}]", e.call, names);
      return v;
    }
  }
  if (v.holds && (e.digits || e.monitored || e.media || e.tone || e.call_data || e.generate)) {
    const Call* c = pbx_.find_call(t.id);
    const auto hit = heard_.find(t.id.serial);
    const Heard none;
    const Heard& h = hit == heard_.end() ? none : hit->second;
    const std::string heard = c ? c->heard.str() : std::string();
    const std::uint32_t media = c ? c->detected_media : 0;
    const std::string data = c ? c->call_data.str() : std::string();
    const bool tone = !e.tone || std::find(h.tones.begin(), h.tones.end(), *e.tone) != h.tones.end();
    if ((e.digits && heard != *e.digits) || (e.monitored && h.monitored != *e.monitored) ||
        (e.media && media != *e.media) || !tone || (e.call_data && data != *e.call_data) ||
        (e.generate && h.generate != *e.generate)) {
      v.holds = false;
      std::string tones;
      for (std::uint32_t a : h.tones) tones += (tones.empty() ? "" : ", ") + std::to_string(a);
      v.observed = fmt::format(
          "{} heard \"{}\", monitored \"{}\", media {}, tones [{}], call_data \"{}\", last generate {}", e.call, heard,
          h.monitored, media ? tapi_names::kMediaMode.name_of(media) : std::string_view("none"), tones, data,
          h.generate ? to_string(*h.generate) : std::string_view("none"));
      return v;
    }
  }
  if (v.holds && (e.to || e.digits_sent || e.busy_trunk || e.from || e.redirection || e.redirecting || e.completion ||
                  e.caller_blocked || e.secure || e.calling_party_id || e.display_text || e.user_user_info ||
                  e.bearer_mode || e.media_mode)) {
    const Call* c = pbx_.find_call(t.id);
    if (!c) {
      v.holds = false;
      v.observed = fmt::format("{} is deallocated: its numbers are gone", e.call);
      return v;
    }
    if ((e.to && c->to != *e.to) || (e.digits_sent && c->far_digits != *e.digits_sent)) {
      v.holds = false;
      v.observed = fmt::format("{} called \"{}\" and has sent \"{}\" since", e.call, c->to, c->far_digits);
      return v;
    }
    if (e.busy_trunk && (c->state != CallState::Busy || c->busy_trunk != *e.busy_trunk)) {
      v.holds = false;
      v.observed = c->state != CallState::Busy
                       ? fmt::format("{} is {}, not BUSY", e.call, to_string(c->state))
                       : fmt::format("{} is BUSY, busy_mode {}", e.call, c->busy_trunk ? "TRUNK" : "STATION");
      return v;
    }
    if ((e.from && c->from != *e.from) || (e.redirection && c->redirection != *e.redirection) ||
        (e.redirecting && c->redirecting != *e.redirecting)) {
      v.holds = false;
      v.observed = fmt::format("{} is from \"{}\", redirection \"{}\", redirecting \"{}\"", e.call, c->from,
                               c->redirection, c->redirecting);
      return v;
    }
    // What LINECALLPARAMS gave the call (0 modes: the line's own, VOICE / INTERACTIVEVOICE).
    const std::string bearer(tapi_names::kBearerMode.name_of(c->bearer_mode ? c->bearer_mode : callparam::kBearerVoice));
    const std::string media = tapi_names::kMediaMode.flags(c->media_mode ? c->media_mode : callparam::kMediaInteractiveVoice);
    if ((e.caller_blocked && c->caller_blocked != *e.caller_blocked) || (e.secure && c->secure != *e.secure) ||
        (e.calling_party_id && c->calling_party_id != *e.calling_party_id) ||
        (e.display_text && c->display_text != *e.display_text) ||
        (e.user_user_info && c->user_user_info != *e.user_user_info) || (e.bearer_mode && bearer != *e.bearer_mode) ||
        (e.media_mode && media != *e.media_mode)) {
      v.holds = false;
      v.observed = fmt::format(
          "{} has caller_blocked {}, secure {}, calling_party_id \"{}\", display_text \"{}\", user_user_info \"{}\", "
          "bearer_mode {}, media_mode {}",
          e.call, c->caller_blocked, c->secure, c->calling_party_id, c->display_text, c->user_user_info, bearer, media);
      return v;
    }
    if (e.completion) {
      // A completion_as name, or the id as a number.
      const std::optional<std::uint32_t> want = completion_id(*e.completion);
      if (!want || c->completion != *want) {
        v.holds = false;
        v.observed = want ? fmt::format("{} has completion id {}", e.call, c->completion)
                          : fmt::format("completion '{}' was never given: the complete_call that names it failed",
                                        *e.completion);
        return v;
      }
    }
  }
  v.matched = t.id;
  if (!v.holds) {
    v.observed = call_view(e.call, t.state, t.mode, reason, history);
    if (e.features)
      v.observed += fmt::format(", features {}", features_to_string(features));
  }
  return v;
}

ScenarioRunner::Verdict ScenarioRunner::evaluate(const Step& step) const {
  const Expectation& e = step.expect;
  if (!e.modem.empty()) return evaluate_modem(step);
  Verdict v;
  if (e.error) {
    v.holds = last_error_ == e.error;
    v.observed = last_error_ ? "the previous operation returned " + tapi_name(*last_error_)
                             : std::string("no operation came before");
    return v;
  }
  if (!e.gather.empty()) {
    const auto it = gathers_.find(e.gather);
    if (it == gathers_.end()) {
      v.observed = fmt::format("gather {} has not ended", e.gather);
      return v;
    }
    const GatherResult& g = it->second;
    v.holds = (!e.termination || g.termination == *e.termination) && (!e.digits || g.digits == *e.digits);
    v.observed = fmt::format("gather {} ended {} with \"{}\"", e.gather, to_string(g.termination), g.digits);
    return v;
  }
  if (!e.agent.empty()) {
    const AgentStatus a = *pbx_.agent_status(e.agent);
    v.holds = (!e.agent_state || a.state == *e.agent_state) && (!e.next_state || a.next_state == e.next_state) &&
              (!e.no_next_state || !a.next_state) && (!e.groups || a.groups == *e.groups) &&
              (!e.activity || a.activity == *e.activity);
    v.observed = fmt::format("agent {} ({}) is {}, next state {}, in [{}], activity {}", a.id, a.line, to_string(a.state),
                             a.next_state ? std::string(to_string(*a.next_state)) : "none", fmt::join(a.groups, ", "),
                             a.activity);
    return v;
  }
  if (!e.queue.empty()) {
    for (const QueueInfo& q : pbx_.queue_infos()) {
      if (q.name != e.queue) continue;
      v.holds = (!e.waiting || q.current_queued == *e.waiting) && (!e.queued || q.total_queued == *e.queued) &&
                (!e.abandoned || q.abandoned == *e.abandoned);
      v.observed = fmt::format("queue {} has {} waiting, {} queued in all, {} abandoned", q.name, q.current_queued,
                               q.total_queued, q.abandoned);
    }
    return v;
  }
  if (!e.orbit.empty()) {
    const auto orbit = pbx_.park_lots().find(e.orbit);
    const ParkLots::Occupant* who = orbit ? pbx_.park_lots().occupant(*orbit) : nullptr;
    v.holds = (who != nullptr) == *e.occupied;
    v.observed = who ? fmt::format("orbit {} holds {}", e.orbit, to_string(who->parkee))
                     : fmt::format("orbit {} is free", e.orbit);
    return v;
  }
  if (!e.call.empty()) {
    auto it = tracked_.find(e.call);
    if (it == tracked_.end()) {
      v.observed = fmt::format("call '{}' was never matched: the step that names it failed", e.call);
      return v;
    }
    return evaluate_call(e, it->second);
  }
  // A line: `calls` counts its calls that are not IDLE; the other conditions must hold for one
  // call on it (the oldest that does). `state: IDLE` alone means "no call in progress".
  const Line& line = pbx_.line(*pbx_.find_line(e.line));
  std::vector<const Call*> calls;
  std::size_t active = 0;
  for (CallId id : line.calls) {
    if (const Call* c = pbx_.find_call(id)) {
      calls.push_back(c);
      if (c->shown != CallState::Idle) ++active;
    }
  }
  const bool only_idle = e.state == CallState::Idle && !e.mode && !e.reason && !e.history && !e.features;
  bool holds = (!e.calls || static_cast<int>(active) == *e.calls) &&
               (!e.messages_waiting || line.messages_waiting == *e.messages_waiting);
  if (holds && only_idle) {
    holds = active == 0;
  } else if (holds && (e.state || e.mode || e.reason || e.history || e.features)) {
    holds = false;
    for (const Call* c : calls) {
      if (conditions_hold(e, c->shown, c->mode, c->reason, states_of(c->history),
                          pbx_.call_features(c->id))) {
        holds = true;
        v.matched = c->id;
        break;
      }
    }
  } else if (holds && !calls.empty()) {
    v.matched = calls.front()->id;
  }
  v.holds = holds;
  if (!holds) {
    std::string seen;
    for (const Call* c : calls) {
      if (c->shown == CallState::Idle) continue;
      seen += (seen.empty() ? "" : "; ") +
              call_view(to_string(c->id), c->shown, c->mode, c->reason, states_of(c->history));
    }
    v.observed = fmt::format("line {} has {}", e.line,
                             seen.empty() ? std::string("no call in progress") : seen);
    if (e.messages_waiting)
      v.observed += fmt::format("; {} message(s) waiting", line.messages_waiting);
  }
  return v;
}

std::string ScenarioRunner::describe(const Step& step) const {
  if (step.kind == Step::Kind::Modem) {
    if (step.dtr) return fmt::format("modem_dtr {} {}", step.modem, *step.dtr ? "on" : "off");
    return fmt::format("modem_send {} \"{}\"", step.modem, printable_tail(step.data, 60));
  }
  if (step.kind == Step::Kind::Do) {
    const Request& rq = step.request;
    std::string s(to_string(step.op));
    if (step.op == Op::MakeCall)
      s += fmt::format(" {} -> {}", rq.line, rq.to.empty() ? "(no number)" : rq.to);
    else if (step.op == Op::Unpark)
      s += fmt::format(" {} from orbit {}", rq.line, rq.orbit);
    else if (step.op == Op::Pickup)
      s += fmt::format(" by {}{}", rq.line,
                       !rq.to.empty() ? " of " + rq.to : !rq.group.empty() ? " in group " + rq.group : "");
    else if (step.op == Op::Forward)
      s += fmt::format(" {} ({} rules)", rq.line, rq.forwarding.size());
    else if (step.op == Op::UncompleteCall)
      s += " line " + rq.line;
    else if (rq.conference.empty() && step.op != Op::TranslateAddress)
      s += " " + (rq.call.empty() ? "line " + rq.line : rq.call);
    if (step.op == Op::Dial) s += " " + rq.digits;
    if (!rq.to.empty() && step.op != Op::MakeCall && step.op != Op::Pickup) s += " to " + rq.to;
    if (!rq.conference.empty()) s += " conference " + rq.conference;
    if (!rq.consult.empty()) s += " consult " + rq.consult;
    if (!rq.held.empty()) s += " held " + rq.held;
    if (step.op == Op::CompleteCall) s += fmt::format(" ({})", to_string(rq.completion_mode));
    if (step.op == Op::UncompleteCall) s += " completion " + rq.completion;
    if (step.op == Op::TranslateAddress) s += " '" + rq.address + "'";
    if (!step.controller.empty()) s += " by " + step.controller;
    if (step.op == Op::CompleteTransfer)
      s += rq.transfer_mode == TransferMode::Transfer ? " (TRANSFER)" : " (CONFERENCE)";
    if (step.op == Op::Park) {
      s += *rq.park_mode == ParkMode::Directed ? " into orbit " + rq.orbit : " (non-directed)";
      if (!step.returns.empty()) s += " returns " + step.returns;
    }
    if (step.expect_error) s += " refused with " + tapi_name(*step.expect_error);
    return s;
  }
  const Expectation& e = step.expect;
  if (e.error) return "previous operation returned " + tapi_name(*e.error);
  if (!e.modem.empty()) {
    std::string s = "modem " + e.modem;
    if (e.output) s += fmt::format(" output /{}/", printable_tail(*e.output, 80));
    if (e.dcd) s += fmt::format(" dcd {}", *e.dcd ? "on" : "off");
    if (e.modem_state) s += fmt::format(" state {}", to_string(*e.modem_state));
    if (step.within > Duration::zero()) s += " within " + format_duration(step.within);
    return s;
  }
  if (!e.orbit.empty()) return fmt::format("orbit {} {}", e.orbit, *e.occupied ? "occupied" : "free");
  if (!e.agent.empty() || !e.queue.empty()) {
    std::string s = e.agent.empty() ? "queue " + e.queue : "agent " + e.agent;
    if (e.agent_state) s += fmt::format(" state {}", to_string(*e.agent_state));
    if (e.next_state) s += fmt::format(" next_state {}", to_string(*e.next_state));
    if (e.no_next_state) s += " next_state none";
    if (e.groups) s += fmt::format(" groups [{}]", fmt::join(*e.groups, ", "));
    if (e.activity) s += fmt::format(" activity {}", *e.activity);
    if (e.waiting) s += fmt::format(" waiting {}", *e.waiting);
    if (e.queued) s += fmt::format(" queued {}", *e.queued);
    if (e.abandoned) s += fmt::format(" abandoned {}", *e.abandoned);
    if (step.within > Duration::zero()) s += " within " + format_duration(step.within);
    return s;
  }
  if (!e.gather.empty()) {
    std::string s = "gather " + e.gather;
    if (e.termination) s += fmt::format(" termination {}", to_string(*e.termination));
    if (e.digits) s += fmt::format(" digits \"{}\"", *e.digits);
    if (step.within > Duration::zero()) s += " within " + format_duration(step.within);
    return s;
  }
  std::string s = e.call.empty() ? "line " + e.line : e.call;
  if (e.calls) s += fmt::format(" calls {}", *e.calls);
  if (e.messages_waiting) s += fmt::format(" messages_waiting {}", *e.messages_waiting);
  if (e.state) s += fmt::format(" state {}", to_string(*e.state));
  if (e.mode) s += fmt::format(" mode {}", to_string(*e.mode));
  if (e.reason) s += fmt::format(" reason {}", to_string(*e.reason));
  if (e.history) s += " history " + history_text(*e.history);
  if (e.features) s += " features " + features_to_string(*e.features);
  if (e.related) {
    std::string names;
    for (const auto& n : *e.related) names += (names.empty() ? "" : ", ") + n;
    s += " related [" + names + "]";
  }
  if (e.to) s += fmt::format(" to \"{}\"", *e.to);
  if (e.digits_sent) s += fmt::format(" digits_sent \"{}\"", *e.digits_sent);
  if (e.busy_trunk) s += fmt::format(" busy_mode {}", *e.busy_trunk ? "TRUNK" : "STATION");
  if (e.from) s += fmt::format(" from \"{}\"", *e.from);
  if (e.redirection) s += fmt::format(" redirection \"{}\"", *e.redirection);
  if (e.redirecting) s += fmt::format(" redirecting \"{}\"", *e.redirecting);
  if (e.completion) s += fmt::format(" completion {}", *e.completion);
  if (e.caller_blocked) s += fmt::format(" caller_blocked {}", *e.caller_blocked);
  if (e.secure) s += fmt::format(" secure {}", *e.secure);
  if (e.calling_party_id) s += fmt::format(" calling_party_id \"{}\"", *e.calling_party_id);
  if (e.display_text) s += fmt::format(" display_text \"{}\"", *e.display_text);
  if (e.user_user_info) s += fmt::format(" user_user_info \"{}\"", *e.user_user_info);
  if (e.bearer_mode) s += fmt::format(" bearer_mode {}", *e.bearer_mode);
  if (e.media_mode) s += fmt::format(" media_mode {}", *e.media_mode);
  if (e.digits) s += fmt::format(" digits \"{}\"", *e.digits);
  if (e.monitored) s += fmt::format(" monitored \"{}\"", *e.monitored);
  if (e.media) s += fmt::format(" media {}", tapi_names::kMediaMode.name_of(*e.media));
  if (e.tone) s += fmt::format(" tone {}", *e.tone);
  if (e.call_data) s += fmt::format(" call_data \"{}\"", *e.call_data);
  if (e.generate) s += fmt::format(" generate {}", to_string(*e.generate));
  if (step.within > Duration::zero()) s += " within " + format_duration(step.within);
  return s;
}

void ScenarioRunner::record(const Step& step, bool ok, std::string what, std::string message) {
  results_.push_back(ExpectationResult{step.index, step.yaml_line, ok, scheduler_.now(),
                                       std::move(what), std::move(message)});
}

void ScenarioRunner::finish() {
  if (waiting_) {
    settle(false, "the run ended while waiting: " + evaluate(scenario_.steps[next_]).observed);
  }
  if (reply_timer_) {
    scheduler_.cancel(reply_timer_);
    reply_timer_ = {};
    const Step& st = scenario_.steps[next_];
    record(st, false, describe(st), "the run ended before the switch replied (reply_delay)");
    ++next_;
  }
  for (; next_ < scenario_.steps.size(); ++next_) {
    const Step& st = scenario_.steps[next_];
    record(st, false, describe(st),
           fmt::format("not reached: the run stopped at {:.3f}s", to_seconds(scheduler_.now())));
  }
  cleared_at_end_ = pbx_.shutdown();
}

std::vector<CallRecord> ScenarioRunner::take_records() {
  std::sort(records_.begin(), records_.end(),
            [](const CallRecord& a, const CallRecord& b) { return a.serial < b.serial; });
  return std::move(records_);
}

ScenarioSession::ScenarioSession(const Scenario& scenario, SimulationKernel& kernel, RecordSink* records)
    : scenario_(scenario), kernel_(kernel) {
  PbxConfig config = scenario.pbx;
  config.seed = scenario.seed;
  config.location = scenario.location;
  // Trunk statistics cover the traffic's measurement window: after the longest warm-up, until
  // the generators stop.
  if (!scenario.traffic.empty()) {
    config.measure_from = SimTime{0};
    config.measure_until = SimTime{0};
    for (const TrafficConfig& t : scenario.traffic) {
      config.measure_from = std::max(config.measure_from, SimTime(t.warmup));
      config.measure_until = std::max(config.measure_until, SimTime(t.duration));
    }
  }
  pbx_ = std::make_unique<Pbx>(kernel, std::move(config));
  path_ = std::make_unique<RequestPath>(*pbx_, scenario.pbx.controllers);
  faults_ = std::make_unique<FaultInjector>(*pbx_, kernel, scenario.seed, scenario.faults);
  path_->add_filter(faults_.get());
  const bool far_modems = std::any_of(scenario.pbx.trunks.begin(), scenario.pbx.trunks.end(),
                                      [](const TrunkConfig& t) { return t.far_end.modem_speed != 0; });
  if (!scenario.modems.empty() || far_modems) {
    std::vector<ModemConfig> modems;
    for (const ModemSpec& m : scenario.modems) modems.push_back(m.config);
    modems_ = std::make_unique<ModemBank>(*pbx_, kernel, modems);
    pbx_->add_observer(modems_.get());
  }
  runner_ = std::make_unique<ScenarioRunner>(scenario, *pbx_, *path_, kernel, modems_.get());
  runner_->set_record_sink(records);
  path_->on_operation([this](OperationRecord op) { record_operation(std::move(op)); });
  pbx_->add_observer(runner_.get());
  for (const TrafficConfig& t : scenario.traffic)
    generators_.push_back(std::make_unique<TrafficGenerator>(t, *pbx_, kernel, scenario.seed));
}

ScenarioSession::~ScenarioSession() = default;

void ScenarioSession::start() {
  faults_->start();
  for (const auto& g : generators_) g->start();
  runner_->start();
}

RunResult ScenarioSession::finish() {
  RunResult out;
  out.sim_time = kernel_.now();
  for (std::size_t t = 0; t < pbx_->trunk_count(); ++t)
    out.trunks.push_back(RunResult::Trunk{pbx_->trunk_config(t).name, pbx_->trunk_config(t).channels,
                                          pbx_->trunk_summary(t)});
  for (const auto& g : generators_)
    out.traffic.push_back(RunResult::Traffic{g->stats().name, g->stats().arrivals, g->stats().no_idle_source});
  out.queues = pbx_->queue_summaries();
  out.agents = pbx_->agent_summaries();
  runner_->finish();
  out.scenario = scenario_.name;
  out.file = scenario_.file;
  out.seed = scenario_.seed;
  out.personality = scenario_.pbx.profile.personality;
  out.faults = faults_->log();
  out.expectations = runner_->results();
  out.records = runner_->take_records();
  out.media = runner_->take_media();
  out.cleared_at_end = runner_->cleared_at_end();
  out.kernel_events = kernel_.dispatched();
  out.transitions = pbx_->stats().transitions;
  out.pbx = pbx_->stats();
  out.operations = std::move(operations_);
  out.metrics = scenario_.metrics;
  if (modems_) {
    for (std::size_t i = 0; i < modems_->size(); ++i) {
      const Modem& m = modems_->modem(i);
      out.modems.push_back(RunResult::ModemSummary{m.name(), m.config().number, m.config().speed, m.stats()});
    }
  }
  operations_.clear();
  return out;
}

RunResult run_scenario(const Scenario& scenario, SimulationKernel& kernel, RecordSink* records) {
  ScenarioSession session(scenario, kernel, records);
  session.start();
  kernel.run(scenario.stop_at.value_or(SimTime::max()));
  return session.finish();
}

}  // namespace telsim
