// Digits, tones, media modes, user-user information and call data (media.hpp): the in-band
// path between linked parties, the switch's detectors on each call, and far-end behaviours.
#include "media/media.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "telsim/models/tapi_names.hpp"

namespace telsim {

using namespace std::chrono_literals;

namespace {

bool dtmf_digit(char c) {
  return (c >= '0' && c <= '9') || c == '*' || c == '#' || (c >= 'A' && c <= 'D');
}

/// Pulse dialling at 10 pulses a second: a digit's pulses (0 is ten).
Duration pulse_length(char c) { return std::chrono::milliseconds(100) * (c == '0' ? 10 : c - '0'); }

std::string frequencies_text(const std::vector<std::uint32_t>& f) {
  std::string out;
  for (std::uint32_t v : f) out += (out.empty() ? "" : "+") + std::to_string(v);
  return out;
}

bool tone_matches(const std::array<std::uint32_t, 3>& watched, const std::vector<std::uint32_t>& sounding) {
  std::set<std::uint32_t> a, b(sounding.begin(), sounding.end());
  for (std::uint32_t f : watched)
    if (f) a.insert(f);
  b.erase(0);
  return !a.empty() && a == b;
}

}  // namespace

// --- names ---------------------------------------------------------------------------------

std::string_view to_string(GatherTerm t) { return tapi_names::kGatherTerm.name_of(static_cast<std::uint32_t>(t)); }
std::string_view to_string(GenerateTerm t) { return tapi_names::kGenerateTerm.name_of(static_cast<std::uint32_t>(t)); }
std::string_view to_string(ToneMode m) { return tapi_names::kToneMode.name_of(static_cast<std::uint32_t>(m)); }
std::string_view to_string(Treatment t) {
  return t == Treatment::None ? std::string_view("NONE") : tapi_names::kCallTreatment.name_of(static_cast<std::uint32_t>(t));
}

std::string_view to_string(MediaEvent::Kind k) {
  switch (k) {
    case MediaEvent::Kind::Generate: return "generate";
    case MediaEvent::Kind::MonitorDigit: return "monitor_digits";
    case MediaEvent::Kind::Gather: return "gather_digits";
    case MediaEvent::Kind::MonitorTone: return "monitor_tone";
    case MediaEvent::Kind::MonitorMedia: return "monitor_media";
    case MediaEvent::Kind::MediaControl: return "media_control";
    case MediaEvent::Kind::Heard: return "heard";
    case MediaEvent::Kind::Detected: return "detected";
  }
  return "?";
}

std::string describe(const MediaEvent& e) {
  switch (e.kind) {
    case MediaEvent::Kind::Generate:
      return fmt::format("generate {} {}", to_string(static_cast<GenerateTerm>(e.value)), e.text);
    case MediaEvent::Kind::MonitorDigit:
      return fmt::format("digit {} {}", e.digit, tapi_names::kDigitMode.name_of(e.value));
    case MediaEvent::Kind::Gather:
      return fmt::format("gather {} '{}'", to_string(static_cast<GatherTerm>(e.value)), e.text);
    case MediaEvent::Kind::MonitorTone: return fmt::format("monitored tone {}", e.value);
    case MediaEvent::Kind::MonitorMedia: return fmt::format("media {}", tapi_names::kMediaMode.name_of(e.value));
    case MediaEvent::Kind::MediaControl:
      return fmt::format("media control {} on {}", tapi_names::kMediaControl.name_of(e.value), e.text);
    case MediaEvent::Kind::Heard: return e.digit ? fmt::format("hears {}", e.digit) : fmt::format("hears {}", e.text);
    case MediaEvent::Kind::Detected: return fmt::format("detected {}", tapi_names::kMediaMode.name_of(e.value));
  }
  return "?";
}

const StandardTone& standard_tone(ToneMode mode) {
  static const StandardTone kTones[] = {
      {ToneMode::Beep, {1000, 0}, 0ms, 0ms, 500ms},
      {ToneMode::Billing, {12000, 0}, 0ms, 0ms, 200ms},
      {ToneMode::Busy, {480, 620}, 500ms, 500ms, 4s},
      {ToneMode::Ringback, {440, 480}, 2s, 4s, 6s},
      {ToneMode::Custom, {0, 0}, 0ms, 0ms, 1s},
  };
  for (const StandardTone& t : kTones)
    if (t.mode == mode) return t;
  return kTones[4];
}

// --- the module ----------------------------------------------------------------------------

Media::Media(Pbx& pbx) : pbx_(pbx) {}

Media::State* Media::find_state(CallId id) {
  // Most runs use no media at all: every state change of every call asks, and hashing is the cost.
  if (state_.empty()) return nullptr;
  const auto it = state_.find(id.serial);
  return it == state_.end() ? nullptr : &it->second;
}

void Media::emit(MediaEvent e) {
  e.at = pbx_.now();
  if (const Call* c = pbx_.get(e.call)) e.line = c->line;
  for (PbxObserver* o : pbx_.observers_) o->on_media(e);
}

void Media::info_changed(const Call& call, std::uint32_t infostate) {
  for (PbxObserver* o : pbx_.observers_) o->on_call_info(call.id, infostate);
}

std::vector<CallId> Media::audience(const Call& from) const {
  std::vector<CallId> out;
  const Call* sender = &from;
  // A member leg speaks for its conference.
  if (const Call* k = pbx_.get_const(from.conference); k && !from.is_conference) sender = k;
  auto add = [&](CallId id, CallId skip) {
    const Call* c = pbx_.get_const(id);
    if (c && c->id != skip && c->state == CallState::Connected &&
        std::find(out.begin(), out.end(), c->id) == out.end())
      out.push_back(c->id);
  };
  if (sender->is_conference) {
    for (CallId m : sender->members)
      if (const Call* leg = pbx_.get_const(m)) add(leg->peer, from.id);
    return out;
  }
  const Call* peer = pbx_.get_const(sender->peer);
  if (!peer) return out;
  if (const Call* k = pbx_.get_const(peer->conference)) {
    // The far party is a leg of someone's conference: the controller and every other party hear.
    add(k->id, from.id);
    for (CallId m : k->members)
      if (m != peer->id)
        if (const Call* leg = pbx_.get_const(m)) add(leg->peer, from.id);
    return out;
  }
  add(peer->id, from.id);
  return out;
}

// --- operations -----------------------------------------------------------------------------

OpResult Media::execute(const Command& c) {
  const OpInfo& op = info(c.op);
  Call* call = pbx_.get(c.call);
  if (!call) return pbx_.refuse(c.op, LineErr::InvalCallHandle, {}, Pbx::no_call(c.call));
  if (!next_state(call->state, *op.input))
    return pbx_.refuse(c.op, LineErr::InvalCallState, c.call, pbx_.state_rule(*call, *op.input, c.op));
  const MediaArgs& a = c.media;
  switch (c.op) {
    case Op::GenerateDigits: return generate_digits(*call, a);
    case Op::GenerateTone: return generate_tone(*call, a);
    case Op::GatherDigits: return gather_digits(*call, a);
    case Op::MonitorTones: return monitor_tones(*call, a);
    case Op::SendUserUserInfo: return send_user_user_info(*call, a);
    case Op::SetCallParams: return set_call_params(*call, a);
    case Op::MonitorDigits:
    case Op::MonitorMedia: {
      // What the call's monitors report is what its LINECALLINFO shows (dwMonitor*Modes).
      const bool digits = c.op == Op::MonitorDigits;
      std::uint32_t& modes = digits ? call->monitor_digit_modes : call->monitor_media_modes;
      const std::uint32_t wanted = digits ? a.digit_modes : a.media_modes;
      const bool changed = modes != wanted;
      modes = wanted;
      const OpResult r = pbx_.reply(c.op, LineErr::Success, call->id);
      if (changed) info_changed(*call, callinfo::kMonitorModes);
      return r;
    }
    case Op::SetMediaMode: {
      const bool changed = call->media_mode != a.media_modes;
      call->media_mode = a.media_modes;
      const OpResult r = pbx_.reply(c.op, LineErr::Success, call->id);
      if (changed) info_changed(*call, callinfo::kMediaMode);
      return r;
    }
    case Op::SetMediaControl: {
      state(*call).controls = a.controls;
      return pbx_.reply(c.op, LineErr::Success, call->id);
    }
    case Op::ReleaseUserUserInfo: {
      const OpResult r = pbx_.reply(c.op, LineErr::Success, call->id);
      std::string next;
      if (!call->uui_queue.empty()) {
        next = std::move(call->uui_queue.front());
        call->uui_queue.erase(call->uui_queue.begin());
      }
      const bool changed = next != call->user_user_info;
      call->user_user_info = std::move(next);
      if (changed) info_changed(*call, callinfo::kUserUserInfo);
      return r;
    }
    case Op::SetCallData: {
      if (a.text.size() > MediaCaps::kMaxCallData)
        return pbx_.refuse(c.op, LineErr::InvalParam, call->id,
                           fmt::format("call data of {} bytes; this switch keeps at most {}", a.text.size(),
                                       MediaCaps::kMaxCallData));
      const OpResult r = pbx_.reply(c.op, LineErr::Success, call->id);
      ++pbx_.stats_.call_data_set;
      // The data belongs to the call at the switch: every party's handle shows it.
      std::vector<CallId> parties{call->id};
      if (call->peer) parties.push_back(call->peer);
      for (CallId id : parties) {
        Call* p = pbx_.get(id);
        if (!p || p->call_data == a.text) continue;
        p->call_data = a.text;
        info_changed(*p, callinfo::kCallData);
      }
      return r;
    }
    case Op::SetCallTreatment: {
      const OpResult r = pbx_.reply(c.op, LineErr::Success, call->id);
      const bool changed = call->treatment != a.treatment;
      call->treatment = a.treatment;
      if (changed) info_changed(*call, callinfo::kTreatment);
      // In effect now while the call waits (unanswered or held): the far party hears it.
      if (is_alerting(call->state) || is_held(call->state))
        if (const Call* p = pbx_.get_const(call->peer))
          emit(MediaEvent{{}, p->id, 0, MediaEvent::Kind::Heard, 0, 0,
                          fmt::format("treatment {}", to_string(a.treatment))});
      return r;
    }
    case Op::SetCallQualityOfService: {
      const OpResult r = pbx_.reply(c.op, LineErr::Success, call->id);
      const bool changed = call->qos_sending != a.qos_sending || call->qos_receiving != a.qos_receiving;
      call->qos_sending = a.qos_sending;
      call->qos_receiving = a.qos_receiving;
      if (changed) info_changed(*call, callinfo::kQos);
      return r;
    }
    default: break;
  }
  return pbx_.refuse(c.op, LineErr::OperationUnavail, call->id, "not a media operation");
}

OpResult Media::generate_digits(Call& call, const MediaArgs& a) {
  const bool pulse = a.digit_modes == digit_mode::kPulse;
  for (char d : a.digits) {
    if (pulse ? !(d >= '0' && d <= '9') : !dtmf_digit(d))
      return pbx_.refuse(Op::GenerateDigits, LineErr::InvalDigits, call.id,
                         fmt::format("'{}' cannot be sent as a {} digit ({})", d, pulse ? "pulse" : "DTMF",
                                     pulse ? "0-9" : "0-9 * # A B C D"));
  }
  const OpResult r = pbx_.reply(Op::GenerateDigits, LineErr::Success, call.id);
  if (a.digits.empty()) {
    if (State* st = find_state(call.id); st && st->gen && st->gen->reported) end_generation(call, GenerateTerm::Cancel);
    return r;
  }
  Generation g;
  g.digits = a.digits;
  g.pulse = pulse;
  Duration each = pbx_.profile().timing.digit_time / 2;
  if (call.dial_params && call.dial_params->digit_duration > Duration::zero()) each = call.dial_params->digit_duration;
  if (a.duration && *a.duration > Duration::zero()) each = *a.duration;
  g.on = each;
  g.off = each;
  g.label = a.digits;
  start_generation(call, std::move(g));
  return r;
}

OpResult Media::generate_tone(Call& call, const MediaArgs& a) {
  if (a.tone == ToneMode::Custom && a.components.empty())
    return pbx_.refuse(Op::GenerateTone, LineErr::InvalToneList, call.id,
                       "a CUSTOM tone needs its 'tones' (1 to 3 of {frequency, on, off})");
  const OpResult r = pbx_.reply(Op::GenerateTone, LineErr::Success, call.id);
  if (!a.tone) {
    if (State* st = find_state(call.id); st && st->gen && st->gen->reported) end_generation(call, GenerateTerm::Cancel);
    return r;
  }
  const StandardTone& std_tone = standard_tone(*a.tone);
  Generation g;
  g.tone = true;
  if (*a.tone == ToneMode::Custom) {
    for (const ToneComponent& c : a.components) g.frequencies.push_back(c.frequency);
    g.tone_on = a.components.front().on;
    g.tone_off = a.components.front().off;
    g.label = frequencies_text(g.frequencies);
  } else {
    for (std::uint32_t f : std_tone.frequencies)
      if (f) g.frequencies.push_back(f);
    g.tone_on = std_tone.on;
    g.tone_off = std_tone.off;
    g.label = std::string(to_string(*a.tone));
  }
  g.ends = pbx_.now() + (a.duration && *a.duration > Duration::zero() ? *a.duration : std_tone.length);
  start_generation(call, std::move(g));
  return r;
}

OpResult Media::gather_digits(Call& call, const MediaArgs& a) {
  if (a.max && (*a.max < 1 || *a.max > MediaCaps::kMaxGatherBuffer))
    return pbx_.refuse(Op::GatherDigits, LineErr::InvalParam, call.id,
                       fmt::format("a buffer of {} digits; 1 to {}", *a.max, MediaCaps::kMaxGatherBuffer));
  for (const Duration t : {a.first_timeout, a.inter_timeout})
    if (t != Duration::zero() && (t < MediaCaps::kGatherMinTimeout || t > MediaCaps::kGatherMaxTimeout))
      return pbx_.refuse(Op::GatherDigits, LineErr::InvalTimeout, call.id,
                         fmt::format("a timeout of {}; this switch times from {} to {}", format_duration(t),
                                     format_duration(MediaCaps::kGatherMinTimeout),
                                     format_duration(MediaCaps::kGatherMaxTimeout)));
  for (char d : a.terminators)
    if (!dtmf_digit(d))
      return pbx_.refuse(Op::GatherDigits, LineErr::InvalDigits, call.id,
                         fmt::format("'{}' cannot end a gather (0-9 * # A B C D)", d));
  const OpResult r = pbx_.reply(Op::GatherDigits, LineErr::Success, call.id);
  if (!a.max) {
    if (State* st = find_state(call.id); st && st->gather) finish_gather(call.id, GatherTerm::Cancel);
    return r;
  }
  Gather g;
  g.modes = a.digit_modes ? a.digit_modes : digit_mode::kDtmf;
  g.max = *a.max;
  g.terminators = a.terminators;
  g.first = a.first_timeout;
  g.inter = a.inter_timeout;
  start_gather(call, std::move(g));
  return r;
}

OpResult Media::monitor_tones(Call& call, const MediaArgs& a) {
  if (a.tones.size() > MediaCaps::kMaxMonitoredTones)
    return pbx_.refuse(Op::MonitorTones, LineErr::InvalToneList, call.id,
                       fmt::format("{} tones; this switch watches at most {}", a.tones.size(),
                                   MediaCaps::kMaxMonitoredTones));
  const OpResult r = pbx_.reply(Op::MonitorTones, LineErr::Success, call.id);
  State& st = state(call);
  for (TimerHandle& t : st.tone_timers) pbx_.scheduler_.cancel(t);
  st.tone_timers.clear();
  st.tones = a.tones;
  return r;
}

OpResult Media::send_user_user_info(Call& call, const MediaArgs& a) {
  if (a.text.size() > MediaCaps::kMaxUserUserInfo)
    return pbx_.refuse(Op::SendUserUserInfo, LineErr::UserUserInfoTooBig, call.id,
                       fmt::format("{} bytes of user-user information; this switch sends at most {}", a.text.size(),
                                   MediaCaps::kMaxUserUserInfo));
  Call* to = pbx_.get(call.peer);
  if (!to)
    return pbx_.refuse(Op::SendUserUserInfo, LineErr::OperationFailed, call.id,
                       fmt::format("{} has no far party to send it to", to_string(call.id)));
  const OpResult r = pbx_.reply(Op::SendUserUserInfo, LineErr::Success, call.id);
  ++pbx_.stats_.uui_sent;
  // The receiving application releases what it read before the next one shows (TAPI).
  if (to->user_user_info.empty()) {
    to->user_user_info = a.text;
    info_changed(*to, callinfo::kUserUserInfo);
  } else {
    to->uui_queue.push_back(a.text);
  }
  return r;
}

OpResult Media::set_call_params(Call& call, const MediaArgs& a) {
  if (a.min_rate && a.max_rate && *a.min_rate > *a.max_rate)
    return pbx_.refuse(Op::SetCallParams, LineErr::InvalRate, call.id,
                       fmt::format("min_rate {} is above max_rate {}", *a.min_rate, *a.max_rate));
  const OpResult r = pbx_.reply(Op::SetCallParams, LineErr::Success, call.id);
  std::uint32_t changed = 0;
  if (a.bearer_mode && a.bearer_mode != call.bearer_mode) {
    call.bearer_mode = a.bearer_mode;
    changed |= callinfo::kBearerMode;
  }
  if (a.min_rate || a.max_rate) {
    const std::uint32_t rate = a.max_rate ? *a.max_rate : *a.min_rate;
    if (rate != call.rate) {
      call.rate = rate;
      changed |= callinfo::kRate;
    }
  }
  if (a.dial_params && a.dial_params != call.dial_params) {
    call.dial_params = a.dial_params;
    changed |= callinfo::kDialParams;
  }
  if (changed) info_changed(call, changed);
  return r;
}

// --- in-band generation ---------------------------------------------------------------------

void Media::start_generation(Call& call, Generation g) {
  // One generation per call: a new one ends the one under way (LINE_GENERATE CANCEL).
  if (State* st = find_state(call.id); st && st->gen) end_generation(call, GenerateTerm::Cancel);
  State& st = state(call);
  if (g.tone) ++pbx_.stats_.tones_generated;
  else pbx_.stats_.digits_generated += g.digits.size();
  st.gen = std::move(g);
  st.gen->timer = pbx_.scheduler_.schedule(Duration::zero(), [this, id = call.id] { step_generation(id); });
}

void Media::step_generation(CallId id) {
  Call* call = pbx_.get(id);
  State* st = find_state(id);
  if (!call || !st || !st->gen) return;
  Generation& g = *st->gen;
  g.timer = {};
  if (!g.tone) {
    if (g.next >= 2 * g.digits.size()) return end_generation(*call, GenerateTerm::Done);
    const char digit = g.digits[g.next / 2];
    const bool end = g.next % 2 == 1;
    const bool pulse = g.pulse;
    ++g.next;
    const Duration wait = end ? g.off : (pulse ? pulse_length(digit) : g.on);
    g.timer = pbx_.scheduler_.schedule(wait, [this, id] { step_generation(id); });
    if (!(end && pulse))
      for (CallId to : audience(*call)) digit_heard(to, digit, pulse, end);
    return;
  }
  const SimTime now = pbx_.now();
  if (now >= g.ends) return end_generation(*call, GenerateTerm::Done);
  const Duration left = g.ends - now;
  const Duration length = g.tone_on > Duration::zero() ? std::min(g.tone_on, left) : left;
  const Duration next = length + g.tone_off;
  if (g.tone_on == Duration::zero() || next >= left)
    g.timer = pbx_.scheduler_.schedule(left, [this, id] {
      if (Call* c = pbx_.get(id)) end_generation(*c, GenerateTerm::Done);
    });
  else
    g.timer = pbx_.scheduler_.schedule(next, [this, id] { step_generation(id); });
  const std::vector<std::uint32_t> frequencies = g.frequencies;
  const std::string label = g.label;
  for (CallId to : audience(*call)) tone_heard(to, frequencies, length, label);
}

void Media::end_generation(Call& call, GenerateTerm term) {
  State* st = find_state(call.id);
  if (!st || !st->gen) return;
  pbx_.scheduler_.cancel(st->gen->timer);
  const bool reported = st->gen->reported;
  const bool tone = st->gen->tone;
  st->gen.reset();
  if (reported)
    emit(MediaEvent{{}, call.id, 0, MediaEvent::Kind::Generate, 0, static_cast<std::uint32_t>(term),
                    tone ? "tone" : "digits"});
}

void Media::dialled(const Call& call, std::string_view digits, bool pulse) {
  // lineDial's digits go out as the switch outpulses them: each digit's share of the time.
  const Duration each = pbx_.profile().timing.digit_time / 2;
  pbx_.stats_.digits_generated += digits.size();
  Duration at{0};
  for (char d : digits) {
    const Duration on = pulse ? pulse_length(d) : each;
    for (const bool end : {false, true}) {
      if (end && pulse) break;
      pbx_.scheduler_.schedule(end ? at + on : at, [this, id = call.id, d, pulse, end] {
        const Call* c = pbx_.get_const(id);
        if (!c) return;
        for (CallId to : audience(*c)) digit_heard(to, d, pulse, end);
      });
    }
    at += on + each;
  }
}

void Media::digit_heard(CallId to, char digit, bool pulse, bool end) {
  Call* call = pbx_.get(to);
  if (!call) return;
  const std::uint32_t mode = pulse ? digit_mode::kPulse : end ? digit_mode::kDtmfEnd : digit_mode::kDtmf;
  if (!end) {
    ++pbx_.stats_.digits_heard;
    call->heard += digit;
    emit(MediaEvent{{}, to, 0, MediaEvent::Kind::Heard, digit, mode, {}});
  }
  if (call->monitor_digit_modes & mode) emit(MediaEvent{{}, to, 0, MediaEvent::Kind::MonitorDigit, digit, mode, {}});
  State* st = find_state(to);
  if (!st) return;
  if (!st->controls.empty())
    control(*call, MediaControlEntry::Trigger::Digit, mode, digit, {}, fmt::format("digit {}", digit));
  st = find_state(to);
  if (end || !st || !st->gather || !(st->gather->modes & (pulse ? digit_mode::kPulse : digit_mode::kDtmf))) return;
  Gather& g = *st->gather;
  g.buffer += digit;
  pbx_.scheduler_.cancel(g.timer);
  if (g.terminators.find(digit) != std::string::npos) return finish_gather(to, GatherTerm::TermDigit);
  if (g.buffer.size() >= g.max) return finish_gather(to, GatherTerm::BufferFull);
  if (g.inter > Duration::zero()) arm_gather_timer(to, g.inter, GatherTerm::InterTimeout);
}

void Media::tone_heard(CallId to, const std::vector<std::uint32_t>& frequencies, Duration length,
                       std::string_view label) {
  Call* call = pbx_.get(to);
  if (!call) return;
  emit(MediaEvent{{}, to, 0, MediaEvent::Kind::Heard, 0, 0, fmt::format("tone {}", label)});
  State* st = find_state(to);
  if (!st) return;
  for (const MonitoredTone& t : st->tones) {
    if (!tone_matches(t.frequencies, frequencies) || t.duration > length) continue;
    st->tone_timers.push_back(pbx_.scheduler_.schedule(t.duration, [this, to, app = t.app_specific] {
      if (!pbx_.get(to)) return;
      ++pbx_.stats_.tones_detected;
      emit(MediaEvent{{}, to, 0, MediaEvent::Kind::MonitorTone, 0, app, {}});
    }));
  }
  if (!st->controls.empty())
    control(*call, MediaControlEntry::Trigger::Tone, 0, 0, frequencies, fmt::format("tone {}", frequencies_text(frequencies)));
}

void Media::speech_heard(CallId to, Duration length, std::string_view what) {
  if (pbx_.get(to))
    emit(MediaEvent{{}, to, 0, MediaEvent::Kind::Heard, 0, 0, fmt::format("{} {}", what, format_duration(length))});
}

// --- gathering ------------------------------------------------------------------------------

void Media::start_gather(Call& call, Gather g) {
  if (State* st = find_state(call.id); st && st->gather) finish_gather(call.id, GatherTerm::Cancel);
  State& st = state(call);
  st.gather = std::move(g);
  if (st.gather->first > Duration::zero()) arm_gather_timer(call.id, st.gather->first, GatherTerm::FirstTimeout);
}

void Media::arm_gather_timer(CallId id, Duration after, GatherTerm term) {
  State* st = find_state(id);
  if (!st || !st->gather) return;
  st->gather->timer = pbx_.scheduler_.schedule(after, [this, id, term] {
    if (State* s = find_state(id); s && s->gather) {
      s->gather->timer = {};
      finish_gather(id, term);
    }
  });
}

void Media::finish_gather(CallId id, GatherTerm term) {
  State* st = find_state(id);
  if (!st || !st->gather) return;
  Gather g = std::move(*st->gather);
  st->gather.reset();
  pbx_.scheduler_.cancel(g.timer);
  ++pbx_.stats_.gathers;
  if (term == GatherTerm::FirstTimeout || term == GatherTerm::InterTimeout) ++pbx_.stats_.gather_timeouts;
  if (g.done) {
    // A far end's own gather: it acts once this instant's changes are done.
    pbx_.scheduler_.schedule(Duration::zero(),
                             [done = std::move(g.done), term, buffer = std::move(g.buffer)] { done(term, buffer); });
    return;
  }
  emit(MediaEvent{{}, id, 0, MediaEvent::Kind::Gather, 0, static_cast<std::uint32_t>(term), std::move(g.buffer)});
}

// --- detection and far ends -----------------------------------------------------------------

void Media::detected(CallId to, std::uint32_t media) {
  Call* call = pbx_.get(to);
  if (!call || call->state != CallState::Connected) return;
  // The call's media mode (0: the line's own, INTERACTIVEVOICE) changes only when the detected
  // one differs: a person on a voice call changes nothing an application sees but the monitor.
  const std::uint32_t current = call->media_mode ? call->media_mode : media_mode::kInteractiveVoice;
  call->detected_media = media;
  ++pbx_.stats_.media_detected;
  emit(MediaEvent{{}, to, 0, MediaEvent::Kind::Detected, 0, media, {}});
  if (current != media) {
    call->media_mode = media;
    info_changed(*call, callinfo::kMediaMode);
  }
  if (call->monitor_media_modes & media) emit(MediaEvent{{}, to, 0, MediaEvent::Kind::MonitorMedia, 0, media, {}});
  State* st = find_state(to);
  if (st && !st->controls.empty())
    control(*call, MediaControlEntry::Trigger::Media, media, 0, {},
            fmt::format("media {}", tapi_names::kMediaMode.name_of(media)));
}

void Media::after(Call& party, Duration delay, std::function<void(Call&)> fn) {
  state(party).script.push_back(pbx_.scheduler_.schedule(delay, [this, id = party.id, fn = std::move(fn)] {
    Call* c = pbx_.get(id);
    if (c && c->state == CallState::Connected) fn(*c);
  }));
}

void Media::on_answered(Call& call) {
  start_far_end(call);
  if (Call* p = pbx_.get(call.peer)) start_far_end(*p);
}

void Media::start_far_end(Call& party) {
  const Behavior& b = pbx_.lines_[party.line].behavior;
  if (!b.automatic() || party.is_conference) return;
  if (State* st = find_state(party.id); st && !st->script.empty()) return;  // started already
  // What it sends matters to an application (or a scenario) on the far side; two stations of a
  // traffic load talking to each other need no detector. A call between two parties (the case of
  // every answer of a traffic load) is decided from the peer alone, without listing the audience.
  const Call* peer = pbx_.get_const(party.peer);
  bool heard = false;
  if (peer && !peer->conference && !party.conference) {
    heard = peer->state == CallState::Connected && !pbx_.automatic(*peer);
  } else {
    for (CallId id : audience(party))
      if (const Call* c = pbx_.get_const(id); c && !pbx_.automatic(*c)) heard = true;
  }
  if (heard) far_end_media(party, b);
  for (const Behavior::TimedDigits& t : b.send_digits) {
    after(party, t.after, [this, digits = t.digits](Call& c) {
      Generation g;
      g.reported = false;
      g.digits = digits;
      g.on = g.off = pbx_.profile().timing.digit_time / 2;
      g.label = digits;
      start_generation(c, std::move(g));
    });
  }
  if (b.ivr) run_ivr(party.id, b.ivr.get(), 0);
}

void Media::far_end_media(Call& party, const Behavior& b) {
  using M = Behavior::Media;
  // What the station sends, and when the switch's detector on the far party's call has heard
  // enough of it to tell its media mode (docs/scenarios.md, "Far-end behaviours").
  auto tone = [this](Call& c, std::vector<std::uint32_t> frequencies, Duration on, Duration off, Duration length,
                     std::string label) {
    Generation g;
    g.tone = true;
    g.reported = false;
    g.frequencies = std::move(frequencies);
    g.tone_on = on;
    g.tone_off = off;
    g.ends = pbx_.now() + length;
    g.label = std::move(label);
    start_generation(c, std::move(g));
  };
  auto detect_at = [this, &party](Duration at, std::uint32_t media) {
    after(party, at, [this, media](Call& c) {
      for (CallId to : audience(c)) detected(to, media);
    });
  };
  const bool answering = party.direction == Direction::Incoming;
  if (b.ivr) {
    detect_at(1500ms, media_mode::kAutomatedVoice);  // a recorded prompt, longer than a greeting
    return;
  }
  switch (b.media) {
    case M::Voice:
      after(party, 300ms, [this](Call& c) {
        for (CallId to : audience(c)) speech_heard(to, 1s, "speech");
      });
      detect_at(1800ms, media_mode::kInteractiveVoice);  // "hello?", then a pause for an answer
      return;
    case M::Fax:
      if (answering) {
        // CED, 2100 Hz for 3 s, then the V.21 preamble that tells a fax from a modem.
        after(party, 200ms, [tone](Call& c) { tone(c, {2100}, 0ms, 0ms, 3s, "CED 2100"); });
        detect_at(3700ms, media_mode::kG3Fax);
      } else {
        // CNG, 1100 Hz: 0.5 s on, 3 s off, until it is answered by a fax.
        after(party, 200ms, [tone](Call& c) { tone(c, {1100}, 500ms, 3s, 60s, "CNG 1100"); });
        detect_at(700ms, media_mode::kG3Fax);
      }
      return;
    case M::Modem:
      if (answering) {
        // ANSam: 2100 Hz with phase reversals, which the detector knows after a second.
        after(party, 200ms, [tone](Call& c) { tone(c, {2100}, 0ms, 0ms, 3300ms, "ANSam 2100"); });
        detect_at(1200ms, media_mode::kDataModem);
      } else {
        // The calling tone, 1300 Hz: 0.6 s on, 2 s off.
        after(party, 200ms, [tone](Call& c) { tone(c, {1300}, 600ms, 2s, 60s, "CT 1300"); });
        detect_at(800ms, media_mode::kDataModem);
      }
      return;
    case M::AnsweringMachine: {
      const Duration greeting = b.greeting;
      after(party, 500ms, [this, greeting](Call& c) {
        for (CallId to : audience(c)) speech_heard(to, greeting, "greeting");
      });
      after(party, 500ms + greeting, [tone](Call& c) { tone(c, {1000}, 0ms, 0ms, 500ms, "beep 1000"); });
      detect_at(1s + greeting, pbx_.profile().machine_media);
      return;
    }
    case M::Silence:
      detect_at(5s, media_mode::kUnknown);  // nothing the detector knows
      return;
  }
}

void Media::run_ivr(CallId party, const IvrNode* node, int attempts) {
  Call* call = pbx_.get(party);
  if (!call || !node) return;
  auto next = [this, party, node, attempts](Call& c) {
    if (node->menu.empty()) {
      if (!node->transfer.empty()) pbx_.blind_transfer(c.id, node->transfer);
      else if (node->hangup) pbx_.drop(c.id);
      return;
    }
    Gather g;
    g.max = node->max;
    g.terminators = node->terminators;
    g.first = node->first_timeout;
    g.inter = node->inter_timeout;
    g.done = [this, party, node, attempts](GatherTerm term, const std::string& buffer) {
      if (term == GatherTerm::Cancel) return;
      std::string digits = buffer;
      if (term == GatherTerm::TermDigit && !digits.empty()) digits.pop_back();
      const IvrNode* to = nullptr;
      if (term == GatherTerm::FirstTimeout || (digits.empty() && term != GatherTerm::TermDigit)) {
        to = node->timeout.get();
      } else {
        for (const IvrNode::Choice& ch : node->menu)
          if (ch.digits == digits) to = ch.node.get();
        if (!to) to = node->invalid.get();
      }
      if (to) return run_ivr(party, to, 0);
      if (attempts < 2) return run_ivr(party, node, attempts + 1);  // the prompt again
      pbx_.drop(party);                                           // three times: goodbye
    };
    start_gather(c, std::move(g));
  };
  if (node->prompt > Duration::zero()) {
    for (CallId to : audience(*call)) speech_heard(to, node->prompt, "prompt " + node->label);
    after(*call, node->prompt, next);
  } else {
    next(*call);
  }
}

// --- media control ---------------------------------------------------------------------------

void Media::control(const Call& call, MediaControlEntry::Trigger trigger, std::uint32_t modes, char digit,
                    const std::vector<std::uint32_t>& frequencies, std::string trigger_text) {
  State* st = find_state(call.id);
  if (!st) return;
  std::vector<std::uint32_t> actions;
  for (const MediaControlEntry& e : st->controls) {
    if (e.trigger != trigger) continue;
    bool hit = false;
    switch (trigger) {
      case MediaControlEntry::Trigger::Digit: hit = e.digit == digit && (e.modes & modes); break;
      case MediaControlEntry::Trigger::Media:
      case MediaControlEntry::Trigger::State: hit = (e.modes & modes) != 0; break;
      case MediaControlEntry::Trigger::Tone: hit = tone_matches(e.tone.frequencies, frequencies); break;
    }
    if (hit) actions.push_back(e.action);
  }
  for (std::uint32_t action : actions)
    emit(MediaEvent{{}, call.id, 0, MediaEvent::Kind::MediaControl, 0, action, trigger_text});
}

void Media::state_reported(const Call& call) {
  // A treatment set earlier takes effect when the call comes to wait: the far party hears it.
  if (call.treatment != Treatment::None && (is_alerting(call.shown) || is_held(call.shown)))
    if (const Call* p = pbx_.get_const(call.peer))
      emit(MediaEvent{{}, p->id, 0, MediaEvent::Kind::Heard, 0, 0, fmt::format("treatment {}", to_string(call.treatment))});
  State* st = find_state(call.id);
  if (!st || st->controls.empty()) return;
  control(call, MediaControlEntry::Trigger::State, static_cast<std::uint32_t>(call.shown), 0, {},
          fmt::format("state {}", to_string(call.shown)));
}

void Media::linked(Call& a, Call& b) {
  // Call data follows the call: the party it is linked to now (a transfer's target, an
  // agent picking up) sees what was attached to it.
  Call* from = !a.call_data.empty() ? &a : &b;
  Call* to = from == &a ? &b : &a;
  if (from->call_data.empty() || !to->call_data.empty()) return;
  to->call_data = from->call_data;
  info_changed(*to, callinfo::kCallData);
}

// --- the end of calls -------------------------------------------------------------------------

void Media::forget(Call& call) {
  State* st = find_state(call.id);
  if (!st) return;
  if (st->gen) end_generation(call, GenerateTerm::Cancel);
  if ((st = find_state(call.id)) && st->gather) finish_gather(call.id, GatherTerm::Cancel);
  if ((st = find_state(call.id))) {
    for (TimerHandle& t : st->tone_timers) pbx_.scheduler_.cancel(t);
    for (TimerHandle& t : st->script) pbx_.scheduler_.cancel(t);
    st->tone_timers.clear();
    st->script.clear();
  }
}

void Media::on_disconnected(Call& call) { forget(call); }

void Media::on_idle(Call& call) {
  forget(call);
  if (!state_.empty()) state_.erase(call.id.serial);
}

void Media::on_shutdown() {
  for (auto& [serial, st] : state_) {
    if (st.gen) pbx_.scheduler_.cancel(st.gen->timer);
    if (st.gather) pbx_.scheduler_.cancel(st.gather->timer);
    for (TimerHandle& t : st.tone_timers) pbx_.scheduler_.cancel(t);
    for (TimerHandle& t : st.script) pbx_.scheduler_.cancel(t);
  }
  state_.clear();
}

}  // namespace telsim
