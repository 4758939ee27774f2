// Media, digits, tones, user-user information, call data and call parameters (issue 19): the
// TSPI functions (each one wire request), the events that end or report them (LINE_GENERATE,
// LINE_MONITORDIGITS, LINE_GATHERDIGITS, LINE_MONITORTONE, LINE_MONITORMEDIA) and call_info's
// media values (docs/tsp.md, "Media and digits").
#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "log.hpp"
#include "media.hpp"
#include "provider.hpp"
#include "text.hpp"

namespace telsim::tsp {
namespace media {

namespace {

DWORD count(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return 0;
  const long long v = it->get<long long>();
  return v < 0 ? 0 : v > 0xFFFFFFFFLL ? 0xFFFFFFFF : static_cast<DWORD>(v);
}

/// Milliseconds: an integer, or a duration string ("250ms", "5s", "1min"); 0 when neither.
DWORD millis(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return 0;
  if (it->is_number_integer()) return count(j, key);
  if (!it->is_string()) return 0;
  const std::string t = it->get<std::string>();
  std::size_t n = 0;
  while (n < t.size() && ((t[n] >= '0' && t[n] <= '9') || t[n] == '.')) ++n;
  if (n == 0) return 0;
  const double v = std::strtod(t.substr(0, n).c_str(), nullptr);
  const std::string unit = t.substr(n);
  const double ms = unit == "ms" || unit.empty() ? v : unit == "s" ? v * 1e3 : unit == "min" ? v * 6e4 : unit == "h" ? v * 3.6e6 : -1;
  return ms < 0 || ms > 4e9 ? 0 : static_cast<DWORD>(ms + 0.5);
}

DWORD media_mode_bits(const nlohmann::json& list) {
  DWORD bits = 0;
  auto one = [&](const nlohmann::json& n) {
    if (n.is_string()) bits |= schema::media_mode_value(n.get<std::string>());
  };
  if (list.is_array())
    for (const auto& n : list) one(n);
  else
    one(list);
  return bits;
}

}  // namespace

Caps caps_of(const nlohmann::json& pbx) {
  Caps c;
  auto it = pbx.find(key::kMedia);
  if (it == pbx.end() || !it->is_object()) return c;
  const nlohmann::json& m = *it;
  c.present = true;
  auto list = [&](const char* k) { return m.contains(k) ? m[k] : nlohmann::json(); };
  c.monitor_digit_modes = bits_of(kDigitModes, list(key::kMonitorDigitModes), "LINEDIGITMODE_");
  c.generate_digit_modes = bits_of(kDigitModes, list(key::kGenerateDigitModes), "LINEDIGITMODE_") &
                           (LINEDIGITMODE_DTMF | LINEDIGITMODE_PULSE);
  c.generate_tone_modes = bits_of(kToneModes, list(key::kGenerateToneModes), "LINETONEMODE_");
  c.max_tone_frequencies = std::min<DWORD>(count(m, key::kMaxToneFrequencies), 3);
  c.max_monitored_tones = count(m, key::kMaxMonitoredTones);
  c.gather_min_timeout = millis(m, key::kGatherMinTimeout);
  c.gather_max_timeout = millis(m, key::kGatherMaxTimeout);
  c.media_modes = media_mode_bits(list(key::kMediaModes));
  c.max_call_data = count(m, key::kMaxCallData);
  c.max_uui = count(m, key::kMaxUui);
  if (const auto t = m.find(key::kTreatments); t != m.end() && t->is_array())
    for (const auto& n : *t)
      if (n.is_string())
        if (const auto v = value_of(kTreatments, n.get<std::string>(), "LINECALLTREATMENT_"))
          if (std::find(c.treatments.begin(), c.treatments.end(), *v) == c.treatments.end()) c.treatments.push_back(*v);
  auto set = [&](Op op, bool on) { c.offered[static_cast<std::size_t>(op)] = on; };
  set(Op::GenerateDigits, c.generate_digit_modes != 0);
  set(Op::GenerateTone, c.generate_tone_modes != 0);
  set(Op::MonitorDigits, c.monitor_digit_modes != 0);
  set(Op::GatherDigits, (c.monitor_digit_modes & (LINEDIGITMODE_DTMF | LINEDIGITMODE_PULSE)) != 0);
  set(Op::MonitorTones, c.max_monitored_tones > 0 && c.max_tone_frequencies > 0);
  set(Op::MonitorMedia, c.media_modes != 0);
  set(Op::SetMediaMode, c.media_modes != 0);
  set(Op::SetMediaControl, true);
  set(Op::SendUserUserInfo, c.max_uui > 0);
  set(Op::ReleaseUserUserInfo, c.max_uui > 0);
  set(Op::SetCallData, c.max_call_data > 0);
  set(Op::SetCallTreatment, !c.treatments.empty());
  set(Op::SetCallQualityOfService, true);
  set(Op::SetCallParams, true);
  // A server whose `operations` names these operations names those it offers.
  if (auto ops = pbx.find("operations"); ops != pbx.end() && ops->is_array()) {
    auto listed = [&](const char* name) {
      return std::any_of(ops->begin(), ops->end(), [&](const nlohmann::json& n) { return n.is_string() && n == name; });
    };
    const bool any = std::any_of(std::begin(kOps), std::end(kOps), [&](const OpInfo& o) { return listed(o.name); });
    if (any)
      for (const OpInfo& o : kOps)
        if (!listed(o.name)) set(o.op, false);
  }
  return c;
}

std::string to_hex(const void* data, std::size_t size) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  const auto* b = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < size; ++i) {
    out += digits[b[i] >> 4];
    out += digits[b[i] & 0xF];
  }
  return out;
}

std::optional<std::string> from_hex(std::string_view text) {
  if (text.empty() || text.size() % 2) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int hi = nibble(text[i]), lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    if (c < 0x80) n = 0;
    else if (c >= 0xC2 && c <= 0xDF) n = 1;
    else if ((c & 0xF0) == 0xE0) n = 2;
    else if (c >= 0xF0 && c <= 0xF4) n = 3;
    else return false;
    if (i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n + 1;
  }
  return true;
}

}  // namespace media

namespace {

// media.hpp's names are the server's own: its catalogue's operations (and their LINECALLFEATURE
// bits) and the wire schema's events and fields. A drift fails to compile.
constexpr bool ops_are_the_catalogues() {
  for (const media::OpInfo& o : media::kOps) {
    const telsim::OpInfo* c = find_operation(o.name);
    if (!c || c->feature != o.feature) return false;
  }
  return true;
}
static_assert(ops_are_the_catalogues(), "media.hpp's operations are not the catalogue's");
constexpr bool same(std::string_view a, std::string_view b) { return a == b; }
static_assert(same(media::event::kGenerate, schema::event::kGenerate) &&
                  same(media::event::kMonitorDigits, schema::event::kMonitorDigits) &&
                  same(media::event::kGatherDigits, schema::event::kGatherDigits) &&
                  same(media::event::kMonitorTone, schema::event::kMonitorTone) &&
                  same(media::event::kMonitorMedia, schema::event::kMonitorMedia) &&
                  same(media::event::kMediaControl, schema::event::kMediaControl),
              "media.hpp's events are not the wire schema's");
static_assert(same(media::key::kTermination, field::kTermination) && same(media::key::kWhat, field::kWhat) &&
                  same(media::key::kDigit, field::kDigit) && same(media::key::kDigits, field::kDigits) &&
                  same(media::key::kMode, field::kMode) && same(media::key::kModes, field::kModes) &&
                  same(media::key::kAppSpecific, field::kAppSpecific) &&
                  same(media::key::kMediaMode, field::kCallMediaMode) &&
                  same(media::key::kUserUserInfo, field::kUserUserInfo) && same(media::key::kCallData, field::kCallData) &&
                  same(media::key::kTreatment, field::kTreatment) && same(media::key::kQos, field::kQos) &&
                  same(media::key::kSending, field::kSending) && same(media::key::kReceiving, field::kReceiving) &&
                  same(media::key::kBearerMode, field::kBearerMode) && same(media::key::kRate, field::kRate) &&
                  same(media::key::kDialParams, field::kDialParams) &&
                  same(media::key::kMonitorDigitModes, field::kMonitorDigitModes) &&
                  same(media::key::kMonitorMediaModes, field::kMonitorMediaModes) &&
                  same(media::key::kMedia, field::kMedia) && same(media::key::kDuration, field::kDuration) &&
                  same(media::key::kTone, field::kTone) && same(media::key::kTones, field::kTones) &&
                  same(media::key::kMax, field::kMax) && same(media::key::kTerminators, field::kTerminators) &&
                  same(media::key::kFirstTimeout, field::kFirstTimeout) &&
                  same(media::key::kInterTimeout, field::kInterTimeout) && same(media::key::kInfo, field::kInfo) &&
                  same(media::key::kData, field::kData) && same(media::key::kMinRate, field::kMinRate) &&
                  same(media::key::kMaxRate, field::kMaxRate) && same(media::key::kAction, field::kAction) &&
                  same(media::key::kStates, field::kStates),
              "media.hpp's fields are not the wire schema's");

constexpr LONG err(DWORD e) { return static_cast<LONG>(e); }
/// How long a synchronous TSPI function waits while the I/O thread is inside TAPI before it
/// assumes TAPI waits for it (see sync_request).
constexpr ULONGLONG kStuckCallbackMs = 250;
/// Entries per list lineSetMediaControl takes (LINEDEVCAPS dwMedCtl*MaxListSize).
constexpr DWORD kMediaControlMaxList = 32;

std::string text(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

DWORD number(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return 0;
  const long long v = it->get<long long>();
  return v < 0 || v > 0xFFFFFFFFLL ? 0 : static_cast<DWORD>(v);
}

/// One bit set, and only one.
bool one_bit(DWORD v) { return v != 0 && (v & (v - 1)) == 0; }

/// The digits of `in` a generation or gathering can use: 0-9 and, in DTMF, * # A-D (a-d taken
/// as A-D); anything else (a ',' pause among them) is left out, as TSPI lets a provider do.
std::string dialable_digits(const std::wstring& in, bool dtmf) {
  std::string out;
  for (wchar_t ch : in) {
    if (ch >= L'0' && ch <= L'9') out += static_cast<char>(ch);
    else if (!dtmf) continue;
    else if (ch == L'*' || ch == L'#') out += static_cast<char>(ch);
    else if (ch >= L'A' && ch <= L'D') out += static_cast<char>(ch);
    else if (ch >= L'a' && ch <= L'd') out += static_cast<char>(ch - L'a' + L'A');
  }
  return out;
}

json media_mode_names(DWORD bits) {
  json list = json::array();
  for (const auto& m : schema::kMediaModes)
    if (bits & m.value) list.push_back(m.name);
  return list;
}

std::string bytes_of(const void* data, DWORD size) {
  return data && size ? std::string(static_cast<const char*>(data), size) : std::string();
}

Callback media_event(const Call& c, DWORD msg, DWORD_PTR p1, DWORD_PTR p2) {
  Callback cb;
  cb.line = c.line;
  cb.call = c.handle;
  cb.msg = msg;
  cb.p1 = p1;
  cb.p2 = p2;
  cb.p3 = GetTickCount();  // TSPI: the tick count at which it happened
  return cb;
}

}  // namespace

LONG Provider::unoffered(media::Op op) {
  Guard g(lock_);
  if (caps_.media.offers(op)) return 0;
  log::info(std::string(media::info(op).name) + " refused: LINEERR_OPERATIONUNAVAIL: the switch does not offer it" +
            (caps_.media.present ? "" : " (hello has no pbx.media)"));
  return err(LINEERR_OPERATIONUNAVAIL);
}

LONG Provider::media_call(HDRVCALL hd, Call*& call) { return usable_call(hd, call); }

LONG Provider::sync_request(media::Op op, json frame, Pending p, std::function<void(Provider&, bool)> refused) {
  auto wait = std::make_shared<Pending::SyncWait>();
  p.on_refused = [wait, refused](Provider& self, const json&) {
    if (wait->refused) return;
    wait->refused = true;
    if (refused) refused(self, wait->abandoned);
  };
  p.kind = Pending::Kind::Sync;
  p.op = media::info(op).name;
  p.sync = wait;
  frame[field::kOp] = p.op;
  send_locked(std::move(frame), std::move(p));
  if (GetCurrentThreadId() == io_thread_id_) {
    // From inside a callback: the reply is read only once it has returned.
    wait->abandoned = true;
    return 0;
  }
  const ULONGLONG deadline = GetTickCount64() + settings_.request_timeout_ms;
  for (;;) {
    if (wait->done) return wait->result;
    const ULONGLONG now = GetTickCount64();
    if (in_tapi_since_ && now - in_tapi_since_ >= kStuckCallbackMs) {
      wait->abandoned = true;
      log::info(std::string(media::info(op).tspi) + ": TAPI holds the I/O thread; not waiting for the reply");
      return 0;
    }
    if (now >= deadline) {
      // TAPI hears the failure: what the request started is over (a late reply changes nothing).
      wait->abandoned = true;
      wait->refused = true;
      if (refused) refused(*this, false);
      return err(LINEERR_OPERATIONFAILED);
    }
    SleepConditionVariableSRW(&sync_cv_, &lock_, static_cast<DWORD>(std::min<ULONGLONG>(50, deadline - now)), 0);
  }
}

// --- digits and tones (synchronous) -------------------------------------------------------------

LONG Provider::generate_digits(HDRVCALL hd, DWORD end_to_end, DWORD mode, LPCWSTR digits, DWORD duration) {
  if (LONG e = unoffered(media::Op::GenerateDigits)) return e;
  Guard g(lock_);
  const bool cancel = digits == nullptr;
  if (!cancel && (!one_bit(mode) || !(mode & caps_.media.generate_digit_modes))) return err(LINEERR_INVALDIGITMODE);
  Call* c = nullptr;
  if (LONG e = media_call(hd, c)) return e;
  json frame{{field::kCall, c->server}};
  std::string wanted;
  if (!cancel) {
    wanted = dialable_digits(digits, mode == LINEDIGITMODE_DTMF);
    frame[media::key::kMode] = media::name_of(media::kDigitModes, mode);
    if (duration) frame[media::key::kDuration] = duration;
  }
  // Nothing left to generate of a string that had digits (TSPI: invalid ones are ignored): the
  // switch is asked to cancel what is in progress, and this generation is done at once.
  const bool nothing = !cancel && wanted.empty();
  if (!cancel && !nothing) frame[media::key::kDigits] = wanted;
  const std::uint64_t h = c->handle;
  if (!cancel && !nothing) c->media.generations.push_back({end_to_end, false});
  Pending p;
  p.call = h;
  p.line = c->line;
  auto forget = [h, end_to_end, cancel, nothing](Provider& self, bool tell) {
    auto it = self.calls_.find(h);
    if (cancel || nothing || it == self.calls_.end()) return;
    auto& q = it->second->media.generations;
    const auto e = std::find_if(q.begin(), q.end(), [&](const auto& x) { return x.id == end_to_end && !x.tone; });
    if (e == q.end()) return;
    q.erase(e);
    if (tell) self.post(media_event(*it->second, LINE_GENERATE, LINEGENERATETERM_CANCEL, end_to_end));
  };
  if (nothing) {
    p.on_ok = [h, end_to_end](Provider& self, const json&) {
      if (auto it = self.calls_.find(h); it != self.calls_.end())
        self.post(media_event(*it->second, LINE_GENERATE, LINEGENERATETERM_DONE, end_to_end));
    };
  }
  // Refused while the function waited: TAPI hears the error, not a LINE_GENERATE.
  return sync_request(media::Op::GenerateDigits, std::move(frame), std::move(p), forget);
}

LONG Provider::generate_tone(HDRVCALL hd, DWORD end_to_end, DWORD mode, DWORD duration, DWORD num_tones,
                             const LINEGENERATETONE* tones) {
  if (LONG e = unoffered(media::Op::GenerateTone)) return e;
  Guard g(lock_);
  const bool cancel = mode == 0;
  if (!cancel && (!one_bit(mode) || !(mode & caps_.media.generate_tone_modes))) return err(LINEERR_INVALTONEMODE);
  json frame;
  if (!cancel) {
    frame[media::key::kTone] = media::name_of(media::kToneModes, mode);
    if (duration) frame[media::key::kDuration] = duration;
    if (mode == LINETONEMODE_CUSTOM) {
      if (!tones) return err(LINEERR_INVALPOINTER);
      if (num_tones == 0 || num_tones > caps_.media.max_tone_frequencies) return err(LINEERR_INVALTONE);
      json list = json::array();
      for (DWORD i = 0; i < num_tones; ++i)
        list.push_back({{media::key::kFrequency, tones[i].dwFrequency},
                        {media::key::kOn, tones[i].dwCadenceOn},
                        {media::key::kOff, tones[i].dwCadenceOff},
                        {media::key::kVolume, tones[i].dwVolume}});
      frame[media::key::kTones] = std::move(list);
    }
  }
  Call* c = nullptr;
  if (LONG e = media_call(hd, c)) return e;
  frame[field::kCall] = c->server;
  const std::uint64_t h = c->handle;
  if (!cancel) c->media.generations.push_back({end_to_end, true});
  Pending p;
  p.call = h;
  p.line = c->line;
  auto forget = [h, end_to_end, cancel](Provider& self, bool tell) {
    auto it = self.calls_.find(h);
    if (cancel || it == self.calls_.end()) return;
    auto& q = it->second->media.generations;
    const auto e = std::find_if(q.begin(), q.end(), [&](const auto& x) { return x.id == end_to_end && x.tone; });
    if (e == q.end()) return;
    q.erase(e);
    if (tell) self.post(media_event(*it->second, LINE_GENERATE, LINEGENERATETERM_CANCEL, end_to_end));
  };
  return sync_request(media::Op::GenerateTone, std::move(frame), std::move(p), forget);
}

LONG Provider::monitor_digits(HDRVCALL hd, DWORD modes) {
  if (LONG e = unoffered(media::Op::MonitorDigits)) return e;
  Guard g(lock_);
  if (modes & ~caps_.media.monitor_digit_modes) return err(LINEERR_INVALDIGITMODE);
  Call* c = nullptr;
  if (LONG e = media_call(hd, c)) return e;
  json frame{{field::kCall, c->server}, {media::key::kModes, media::names_of_bits(media::kDigitModes, modes)}};
  // Wanted from now (a cancel stops the messages at once); a refusal puts the old modes back.
  const DWORD before = c->media.digits_monitored;
  c->media.digits_monitored = modes;
  const std::uint64_t h = c->handle;
  Pending p;
  p.call = h;
  p.line = c->line;
  return sync_request(media::Op::MonitorDigits, std::move(frame), std::move(p), [h, before](Provider& self, bool) {
    if (auto it = self.calls_.find(h); it != self.calls_.end()) it->second->media.digits_monitored = before;
  });
}

LONG Provider::gather_digits(HDRVCALL hd, DWORD end_to_end, DWORD modes, LPWSTR digits, DWORD num_digits,
                             LPCWSTR terminators, DWORD first_timeout, DWORD inter_timeout) {
  if (LONG e = unoffered(media::Op::GatherDigits)) return e;
  Guard g(lock_);
  const bool cancel = digits == nullptr;
  const DWORD usable = caps_.media.monitor_digit_modes & (LINEDIGITMODE_DTMF | LINEDIGITMODE_PULSE);
  if (!cancel) {
    if (modes == 0 || (modes & ~usable)) return err(LINEERR_INVALDIGITMODE);
    if (num_digits == 0) return err(LINEERR_INVALPARAM);
    for (DWORD t : {first_timeout, inter_timeout})
      if (t && ((caps_.media.gather_min_timeout && t < caps_.media.gather_min_timeout) ||
                (caps_.media.gather_max_timeout && t > caps_.media.gather_max_timeout)))
        return err(LINEERR_INVALTIMEOUT);
  }
  Call* c = nullptr;
  if (LONG e = media_call(hd, c)) return e;
  json frame{{field::kCall, c->server}};
  if (!cancel) {
    frame[media::key::kModes] = media::names_of_bits(media::kDigitModes, modes);
    frame[media::key::kMax] = std::min<DWORD>(num_digits, 255);  // the switch's buffer: 1..255 digits
    frame[media::key::kTerminators] =
        dialable_digits(terminators ? std::wstring(terminators) : std::wstring(), (modes & LINEDIGITMODE_DTMF) != 0);
    if (first_timeout) frame[media::key::kFirstTimeout] = first_timeout;
    if (inter_timeout) frame[media::key::kInterTimeout] = inter_timeout;
  }
  // TSPI: a gathering cancelled or replaced by TAPI ends without LINE_GATHERDIGITS, and its
  // buffer is TAPI's again as soon as this returns.
  for (auto& e : c->media.gatherings) e.buffer = nullptr;
  if (!cancel) c->media.gatherings.push_back({end_to_end, digits, num_digits});
  const std::uint64_t h = c->handle;
  Pending p;
  p.call = h;
  p.line = c->line;
  auto forget = [h, end_to_end, cancel](Provider& self, bool tell) {
    auto it = self.calls_.find(h);
    if (cancel || it == self.calls_.end()) return;
    auto& q = it->second->media.gatherings;
    const auto e = std::find_if(q.begin(), q.end(), [&](const auto& x) { return x.id == end_to_end && x.buffer; });
    if (e == q.end()) return;
    q.erase(e);
    if (tell) self.post(media_event(*it->second, LINE_GATHERDIGITS, LINEGATHERTERM_CANCEL, end_to_end));
  };
  return sync_request(media::Op::GatherDigits, std::move(frame), std::move(p), forget);
}

LONG Provider::monitor_tones(HDRVCALL hd, DWORD tone_list_id, const LINEMONITORTONE* tones, DWORD num_entries) {
  if (LONG e = unoffered(media::Op::MonitorTones)) return e;
  Guard g(lock_);
  const bool cancel = tones == nullptr || num_entries == 0;
  json list = json::array();
  if (!cancel) {
    if (num_entries > caps_.media.max_monitored_tones) return err(LINEERR_INVALTONELIST);
    for (DWORD i = 0; i < num_entries; ++i) {
      const LINEMONITORTONE& t = tones[i];
      json freqs = json::array();
      for (DWORD f : {t.dwFrequency1, t.dwFrequency2, t.dwFrequency3})
        if (f) freqs.push_back(f);
      if (freqs.empty() || freqs.size() > caps_.media.max_tone_frequencies) return err(LINEERR_INVALTONE);
      list.push_back({{media::key::kFrequencies, std::move(freqs)},
                      {media::key::kDuration, t.dwDuration},
                      {media::key::kAppSpecific, t.dwAppSpecific}});
    }
  }
  Call* c = nullptr;
  if (LONG e = media_call(hd, c)) return e;
  json frame{{field::kCall, c->server}, {media::key::kTones, std::move(list)}};
  const bool before = c->media.tones_monitored;
  const DWORD before_id = c->media.tone_list_id;
  c->media.tones_monitored = !cancel;
  c->media.tone_list_id = cancel ? 0 : tone_list_id;
  const std::uint64_t h = c->handle;
  Pending p;
  p.call = h;
  p.line = c->line;
  return sync_request(media::Op::MonitorTones, std::move(frame), std::move(p),
                      [h, before, before_id](Provider& self, bool) {
                        if (auto it = self.calls_.find(h); it != self.calls_.end()) {
                          it->second->media.tones_monitored = before;
                          it->second->media.tone_list_id = before_id;
                        }
                      });
}

LONG Provider::monitor_media(HDRVCALL hd, DWORD modes) {
  if (LONG e = unoffered(media::Op::MonitorMedia)) return e;
  Guard g(lock_);
  if (modes & ~caps_.media.media_modes) return err(LINEERR_INVALMEDIAMODE);
  Call* c = nullptr;
  if (LONG e = media_call(hd, c)) return e;
  json frame{{field::kCall, c->server}, {media::key::kModes, media_mode_names(modes)}};
  const DWORD before = c->media.media_monitored;
  c->media.media_monitored = modes;
  const std::uint64_t h = c->handle;
  Pending p;
  p.call = h;
  p.line = c->line;
  return sync_request(media::Op::MonitorMedia, std::move(frame), std::move(p), [h, before](Provider& self, bool) {
    if (auto it = self.calls_.find(h); it != self.calls_.end()) it->second->media.media_monitored = before;
  });
}

LONG Provider::set_media_mode(HDRVCALL hd, DWORD mode) {
  if (LONG e = unoffered(media::Op::SetMediaMode)) return e;
  Guard g(lock_);
  if (mode == 0 || (mode & ~(caps_.media.media_modes | LINEMEDIAMODE_UNKNOWN))) return err(LINEERR_INVALMEDIAMODE);
  Call* c = nullptr;
  if (LONG e = media_call(hd, c)) return e;
  json frame{{field::kCall, c->server}, {media::key::kModes, media_mode_names(mode)}};
  Pending p;
  p.call = c->handle;
  p.line = c->line;
  return sync_request(media::Op::SetMediaMode, std::move(frame), std::move(p));
}

LONG Provider::set_media_control(HDRVLINE hd_line, DWORD address_id, HDRVCALL hd, DWORD select,
                                 const LINEMEDIACONTROLDIGIT* digits, DWORD num_digits,
                                 const LINEMEDIACONTROLMEDIA* media_list, DWORD num_media,
                                 const LINEMEDIACONTROLTONE* tones, DWORD num_tones,
                                 const LINEMEDIACONTROLCALLSTATE* states, DWORD num_states) {
  (void)hd_line;
  (void)address_id;
  if (LONG e = unoffered(media::Op::SetMediaControl)) return e;
  // The switch controls a call's media stream: a line's or an address's (every call there, and
  // the calls to come) it has no request for.
  if (select != LINECALLSELECT_CALL) {
    if (select == LINECALLSELECT_LINE || select == LINECALLSELECT_ADDRESS) return err(LINEERR_OPERATIONUNAVAIL);
    return err(LINEERR_INVALCALLSELECT);
  }
  auto action = [](DWORD v) -> const char* { return one_bit(v) ? media::name_of(media::kMediaControls, v) : nullptr; };
  Guard g(lock_);
  json frame;
  if (digits && num_digits) {
    if (num_digits > kMediaControlMaxList) return err(LINEERR_INVALDIGITLIST);
    json list = json::array();
    for (DWORD i = 0; i < num_digits; ++i) {
      const auto& d = digits[i];
      const std::string digit = dialable_digits(std::wstring(1, static_cast<wchar_t>(d.dwDigit & 0xFF)), true);
      const char* a = action(d.dwMediaControl);
      const DWORD modes = d.dwDigitModes & (LINEDIGITMODE_DTMF | LINEDIGITMODE_PULSE | LINEDIGITMODE_DTMFEND);
      if (digit.size() != 1 || !a || modes == 0 || modes != d.dwDigitModes) return err(LINEERR_INVALDIGITLIST);
      list.push_back({{media::key::kDigit, digit},
                      {media::key::kModes, media::names_of_bits(media::kDigitModes, modes)},
                      {media::key::kAction, a}});
    }
    frame[media::key::kDigits] = std::move(list);
  }
  if (media_list && num_media) {
    if (num_media > kMediaControlMaxList) return err(LINEERR_INVALMEDIALIST);
    json list = json::array();
    for (DWORD i = 0; i < num_media; ++i) {
      const auto& m = media_list[i];
      const char* a = action(m.dwMediaControl);
      if (!a || m.dwMediaModes == 0 || (m.dwMediaModes & ~caps_.media.media_modes)) return err(LINEERR_INVALMEDIALIST);
      list.push_back({{media::key::kModes, media_mode_names(m.dwMediaModes)}, {media::key::kAction, a}});
    }
    frame["media"] = std::move(list);
  }
  if (tones && num_tones) {
    if (num_tones > kMediaControlMaxList) return err(LINEERR_INVALTONELIST);
    json list = json::array();
    for (DWORD i = 0; i < num_tones; ++i) {
      const auto& t = tones[i];
      const char* a = action(t.dwMediaControl);
      json freqs = json::array();
      for (DWORD f : {t.dwFrequency1, t.dwFrequency2, t.dwFrequency3})
        if (f) freqs.push_back(f);
      if (!a || freqs.empty()) return err(LINEERR_INVALTONELIST);
      list.push_back({{media::key::kFrequencies, std::move(freqs)},
                      {media::key::kDuration, t.dwDuration},
                      {media::key::kAction, a}});
    }
    frame[media::key::kTones] = std::move(list);
  }
  if (states && num_states) {
    if (num_states > kMediaControlMaxList) return err(LINEERR_INVALCALLSTATELIST);
    json list = json::array();
    for (DWORD i = 0; i < num_states; ++i) {
      const auto& s = states[i];
      const char* a = action(s.dwMediaControl);
      json names = json::array();
      DWORD left = s.dwCallStates;
      for (DWORD bit = 1; bit; bit <<= 1)
        if (s.dwCallStates & bit) {
          const std::string_view n = tapi_names::kCallState.name_of(bit);
          if (n.empty()) break;
          names.push_back(std::string(n));
          left &= ~bit;
        }
      if (!a || names.empty() || left) return err(LINEERR_INVALCALLSTATELIST);
      list.push_back({{media::key::kStates, std::move(names)}, {media::key::kAction, a}});
    }
    frame[media::key::kStates] = std::move(list);
  }
  Call* c = nullptr;
  if (LONG e = media_call(hd, c)) return e;
  frame[field::kCall] = c->server;
  Pending p;
  p.call = c->handle;
  p.line = c->line;
  return sync_request(media::Op::SetMediaControl, std::move(frame), std::move(p));
}

// --- user-user information, call data, treatment, QoS, call parameters (asynchronous) -----------

LONG Provider::send_user_user_info(DRV_REQUESTID req, HDRVCALL hd, LPCSTR info, DWORD size) {
  if (LONG e = unoffered(media::Op::SendUserUserInfo)) return e;
  const std::string bytes = bytes_of(info, size);
  // The wire carries text: user-user information that is not UTF-8 cannot go.
  if (!media::valid_utf8(bytes)) return err(LINEERR_INVALPARAM);
  Guard g(lock_);
  Call* c = nullptr;
  if (LONG e = media_call(hd, c)) return e;
  Request r;
  r.session_op = media::info(media::Op::SendUserUserInfo).name;
  r.line = c->line;
  r.call = c->handle;
  r.params = json{{field::kCall, c->server}, {media::key::kInfo, bytes}};
  return submit(req, std::move(r));
}

LONG Provider::release_user_user_info(DRV_REQUESTID req, HDRVCALL hd) {
  if (LONG e = unoffered(media::Op::ReleaseUserUserInfo)) return e;
  Guard g(lock_);
  Call* c = nullptr;
  if (LONG e = media_call(hd, c)) return e;
  Request r;
  r.session_op = media::info(media::Op::ReleaseUserUserInfo).name;
  r.line = c->line;
  r.call = c->handle;
  r.params = json{{field::kCall, c->server}};
  return submit(req, std::move(r));
}

LONG Provider::set_call_data(DRV_REQUESTID req, HDRVCALL hd, const void* data, DWORD size) {
  if (LONG e = unoffered(media::Op::SetCallData)) return e;
  if (!data && size) return err(LINEERR_INVALPOINTER);
  const std::string bytes = bytes_of(data, size);
  if (!media::valid_utf8(bytes)) return err(LINEERR_INVALPARAM);
  Guard g(lock_);
  Call* c = nullptr;
  if (LONG e = media_call(hd, c)) return e;
  Request r;
  r.session_op = media::info(media::Op::SetCallData).name;
  r.line = c->line;
  r.call = c->handle;
  r.params = json{{field::kCall, c->server}, {media::key::kData, bytes}};
  return submit(req, std::move(r));
}

LONG Provider::set_call_treatment(DRV_REQUESTID req, HDRVCALL hd, DWORD treatment) {
  if (LONG e = unoffered(media::Op::SetCallTreatment)) return e;
  const char* name = media::name_of(media::kTreatments, treatment);
  if (!name) return err(LINEERR_INVALPARAM);  // no such LINECALLTREATMENT_ (a provider-specific one)
  Guard g(lock_);
  Call* c = nullptr;
  if (LONG e = media_call(hd, c)) return e;
  Request r;
  r.session_op = media::info(media::Op::SetCallTreatment).name;
  r.line = c->line;
  r.call = c->handle;
  r.params = json{{field::kCall, c->server}, {media::key::kTreatment, name}};
  return submit(req, std::move(r));
}

LONG Provider::set_call_quality_of_service(DRV_REQUESTID req, HDRVCALL hd, const void* sending, DWORD sending_size,
                                           const void* receiving, DWORD receiving_size) {
  if (LONG e = unoffered(media::Op::SetCallQualityOfService)) return e;
  if ((!sending && sending_size) || (!receiving && receiving_size)) return err(LINEERR_INVALPOINTER);
  Guard g(lock_);
  Call* c = nullptr;
  if (LONG e = media_call(hd, c)) return e;
  Request r;
  r.session_op = media::info(media::Op::SetCallQualityOfService).name;
  r.line = c->line;
  r.call = c->handle;
  // A FLOWSPEC is binary: it goes as hex, as the application gave it.
  r.params = json{{field::kCall, c->server},
                  {media::key::kSending, media::to_hex(sending, sending ? sending_size : 0)},
                  {media::key::kReceiving, media::to_hex(receiving, receiving ? receiving_size : 0)}};
  return submit(req, std::move(r));
}

LONG Provider::set_call_params(DRV_REQUESTID req, HDRVCALL hd, DWORD bearer_mode, DWORD min_rate, DWORD max_rate,
                               const LINEDIALPARAMS* dial_params) {
  if (LONG e = unoffered(media::Op::SetCallParams)) return e;
  const std::string_view bearer = one_bit(bearer_mode) ? tapi_names::kBearerMode.name_of(bearer_mode) : std::string_view();
  if (bearer.empty()) return err(LINEERR_INVALBEARERMODE);
  if (min_rate > max_rate) return err(LINEERR_INVALRATE);
  Guard g(lock_);
  Call* c = nullptr;
  if (LONG e = media_call(hd, c)) return e;
  Request r;
  r.session_op = media::info(media::Op::SetCallParams).name;
  r.line = c->line;
  r.call = c->handle;
  r.params = json{{field::kCall, c->server},
                  {media::key::kBearerMode, std::string(bearer)},
                  {media::key::kMinRate, min_rate},
                  {media::key::kMaxRate, max_rate}};
  if (dial_params)
    r.params[media::key::kDialParams] = json{{media::key::kDialPause, dial_params->dwDialPause},
                                             {media::key::kDialSpeed, dial_params->dwDialSpeed},
                                             {media::key::kDigitDuration, dial_params->dwDigitDuration},
                                             {media::key::kWaitForDialtone, dial_params->dwWaitForDialtone}};
  return submit(req, std::move(r));
}

// --- events ---------------------------------------------------------------------------------------

bool Provider::process_media_event(const std::string& ev, const json& f) {
  namespace e = media::event;
  if (ev != e::kGenerate && ev != e::kMonitorDigits && ev != e::kGatherDigits && ev != e::kMonitorTone &&
      ev != e::kMonitorMedia && ev != e::kMediaControl)
    return false;
  Call* c = call_by_server(text(f, field::kCall));
  if (!c || !c->valid || !lines_[c->line]->open) return true;
  auto& m = c->media;
  if (ev == e::kGenerate) {
    // Each generation this process asked for ends with one `generate`, in the order asked (a
    // newer one cancels the one in progress: CANCEL, then the newer one's end).
    if (m.generations.empty()) return true;  // another client's
    const bool tone = text(f, media::key::kWhat) == media::key::kTone;
    const DWORD term = media::value_of(media::kGenerateTerms, text(f, media::key::kTermination), "LINEGENERATETERM_")
                           .value_or(LINEGENERATETERM_CANCEL);
    while (!m.generations.empty()) {
      const auto g = m.generations.front();
      m.generations.pop_front();
      if (g.tone == tone) {
        post(media_event(*c, LINE_GENERATE, term, g.id));
        break;
      }
      // The switch said nothing of this one: it cannot be in progress any more.
      log::warn("generate (" + std::string(tone ? "tone" : "digits") + ") on " + c->server +
                ": the earlier generation " + std::to_string(g.id) + " was never reported ended");
      post(media_event(*c, LINE_GENERATE, LINEGENERATETERM_CANCEL, g.id));
    }
    return true;
  }
  if (ev == e::kGatherDigits) {
    if (m.gatherings.empty()) return true;
    const auto g = m.gatherings.front();
    m.gatherings.pop_front();
    if (!g.buffer) return true;  // TAPI cancelled or replaced it: no message (TSPI)
    const DWORD term = media::value_of(media::kGatherTerms, text(f, media::key::kTermination), "LINEGATHERTERM_")
                           .value_or(LINEGATHERTERM_CANCEL);
    const std::wstring digits = widen(text(f, media::key::kDigits));
    const DWORD n = std::min<DWORD>(static_cast<DWORD>(digits.size()), g.size);
    std::memcpy(g.buffer, digits.data(), n * sizeof(wchar_t));
    if (n < g.size) g.buffer[n] = L'\0';  // fewer than asked for: the digits, then a null
    post(media_event(*c, LINE_GATHERDIGITS, term, g.id));
    return true;
  }
  if (ev == e::kMonitorDigits) {
    const std::string digit = text(f, media::key::kDigit);
    const DWORD mode = media::value_of(media::kDigitModes, text(f, media::key::kMode), "LINEDIGITMODE_").value_or(0);
    if (digit.size() != 1 || !(mode & m.digits_monitored)) return true;
    post(media_event(*c, LINE_MONITORDIGITS, static_cast<unsigned char>(digit[0]), mode));
    return true;
  }
  if (ev == e::kMonitorTone) {
    if (!m.tones_monitored) return true;
    post(media_event(*c, LINE_MONITORTONE, number(f, media::key::kAppSpecific), m.tone_list_id));
    return true;
  }
  if (ev == e::kMonitorMedia) {
    const DWORD mode = schema::media_mode_value(text(f, media::key::kMediaMode));
    if (!mode || !(mode & m.media_monitored)) return true;
    post(media_event(*c, LINE_MONITORMEDIA, mode, 0));
    return true;
  }
  // media_control: the switch acted on the call's media stream itself; TAPI has no message.
  log::info("media control on " + c->server + ": " + text(f, media::key::kAction) + " (" +
            text(f, "trigger") + ")");
  return true;
}

DWORD Provider::apply_media_values(Call& c, const json& f) {
  auto& m = c.media;
  DWORD bits = 0;
  if (f.contains(media::key::kMediaMode)) {
    DWORD mode = 0;
    const json& list = f[media::key::kMediaMode];
    if (list.is_array()) {
      for (const auto& n : list)
        if (n.is_string()) mode |= schema::media_mode_value(n.get<std::string>());
    } else if (list.is_string()) {
      mode = schema::media_mode_value(list.get<std::string>());
    }
    if (mode != m.media_mode) bits |= LINECALLINFOSTATE_MEDIAMODE;
    m.media_mode = mode;
  }
  if (f.contains(media::key::kUserUserInfo)) {
    const std::string uui = text(f, media::key::kUserUserInfo);
    if (!m.has_uui || uui != m.uui) bits |= LINECALLINFOSTATE_USERUSERINFO;
    m.has_uui = true;
    m.uui = uui;
  }
  if (f.contains(media::key::kCallData)) {
    const std::string data = text(f, media::key::kCallData);
    if (data != m.call_data) bits |= LINECALLINFOSTATE_CALLDATA;
    m.call_data = data;
  }
  if (f.contains(media::key::kTreatment)) {
    const DWORD t = media::value_of(media::kTreatments, text(f, media::key::kTreatment), "LINECALLTREATMENT_").value_or(0);
    if (t != m.treatment) bits |= LINECALLINFOSTATE_TREATMENT;
    m.treatment = t;
  }
  if (const auto q = f.find(media::key::kQos); q != f.end() && q->is_object()) {
    // As the application gave it: hex back to bytes (a description stays text).
    auto flowspec = [&](const char* k) {
      const std::string t = text(*q, k);
      return media::from_hex(t).value_or(t);
    };
    const std::string s = flowspec(media::key::kSending), r = flowspec(media::key::kReceiving);
    if (s != m.qos_sending || r != m.qos_receiving) bits |= LINECALLINFOSTATE_QOS;
    m.qos_sending = s;
    m.qos_receiving = r;
  }
  if (f.contains(media::key::kBearerMode)) {
    const DWORD b = tapi_names::kBearerMode.value_of(text(f, media::key::kBearerMode)).value_or(0);
    if (b != m.bearer_mode) bits |= LINECALLINFOSTATE_BEARERMODE;
    m.bearer_mode = b;
  }
  if (f.contains(media::key::kRate)) {
    const DWORD rate = number(f, media::key::kRate);
    if (rate != m.rate) bits |= LINECALLINFOSTATE_RATE;
    m.rate = rate;
  }
  if (const auto d = f.find(media::key::kDialParams); d != f.end() && d->is_object()) {
    LINEDIALPARAMS p{};
    p.dwDialPause = number(*d, media::key::kDialPause);
    p.dwDialSpeed = number(*d, media::key::kDialSpeed);
    p.dwDigitDuration = number(*d, media::key::kDigitDuration);
    p.dwWaitForDialtone = number(*d, media::key::kWaitForDialtone);
    if (!m.has_dial_params || std::memcmp(&p, &m.dial_params, sizeof p) != 0) bits |= LINECALLINFOSTATE_DIALPARAMS;
    m.has_dial_params = true;
    m.dial_params = p;
  }
  if (f.contains(media::key::kMonitorDigitModes) || f.contains(media::key::kMonitorMediaModes)) {
    const DWORD digits = f.contains(media::key::kMonitorDigitModes)
                             ? media::bits_of(media::kDigitModes, f[media::key::kMonitorDigitModes], "LINEDIGITMODE_")
                             : m.monitor_digit_modes;
    DWORD modes = m.monitor_media_modes;
    if (const auto mm = f.find(media::key::kMonitorMediaModes); mm != f.end()) {
      modes = 0;
      if (mm->is_array())
        for (const auto& n : *mm)
          if (n.is_string()) modes |= schema::media_mode_value(n.get<std::string>());
    }
    if (digits != m.monitor_digit_modes || modes != m.monitor_media_modes) bits |= LINECALLINFOSTATE_MONITORMODES;
    m.monitor_digit_modes = digits;
    m.monitor_media_modes = modes;
  }
  return bits;
}

}  // namespace telsim::tsp
