#include "telsim/models/modem.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include <fmt/format.h>

namespace telsim {
namespace {

constexpr std::size_t kMaxCommandLine = 255;        // characters after "AT"
constexpr std::size_t kMaxQueued = 1024 * 1024;     // terminal bytes waiting for the line
constexpr Duration kPumpQuantum = 1ms;              // the data pump wakes at most this often
constexpr std::int64_t kNsPerTenBits = 10'000'000'000;  // 10 bits at 1 bit/s, in ns

struct Rate {
  std::uint32_t bps;
  int code;
};
// Line rates and their ATV0 codes, as Rockwell/Conexant data pumps number them.
constexpr Rate kRates[] = {
    {300, 1},     {1200, 5},    {2400, 10},   {4800, 11},   {7200, 13},   {9600, 12},
    {12000, 14},  {14400, 15},  {16800, 59},  {19200, 16},  {21600, 61},  {24000, 62},
    {26400, 63},  {28800, 64},  {31200, 91},  {33600, 84},
};

char upper(char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); }

}  // namespace

std::string_view to_string(ModemResult r) {
  switch (r) {
    case ModemResult::Ok: return "OK";
    case ModemResult::Connect: return "CONNECT";
    case ModemResult::Ring: return "RING";
    case ModemResult::NoCarrier: return "NO CARRIER";
    case ModemResult::Error: return "ERROR";
    case ModemResult::NoDialtone: return "NO DIALTONE";
    case ModemResult::Busy: return "BUSY";
    case ModemResult::NoAnswer: return "NO ANSWER";
  }
  return "?";
}

std::string_view to_string(Modem::State s) {
  switch (s) {
    case Modem::State::Idle: return "idle";
    case Modem::State::OffHook: return "off_hook";
    case Modem::State::Dialing: return "dialing";
    case Modem::State::Answering: return "answering";
    case Modem::State::Online: return "online";
    case Modem::State::OnlineCommand: return "online_command";
  }
  return "?";
}

std::optional<Modem::State> parse_modem_state(std::string_view name) {
  for (Modem::State s : {Modem::State::Idle, Modem::State::OffHook, Modem::State::Dialing, Modem::State::Answering,
                         Modem::State::Online, Modem::State::OnlineCommand})
    if (to_string(s) == name) return s;
  return std::nullopt;
}

bool is_line_rate(std::uint32_t bps) {
  return std::any_of(std::begin(kRates), std::end(kRates), [bps](const Rate& r) { return r.bps == bps; });
}

int connect_code(std::uint32_t bps) {
  for (const Rate& r : kRates)
    if (r.bps == bps) return r.code;
  return static_cast<int>(ModemResult::Connect);
}

Modem::Modem(Scheduler& scheduler, ModemConfig config)
    : scheduler_(scheduler), config_(std::move(config)) {
  settings_ = factory_settings();
  stored_ = settings_;
}

Modem::Settings Modem::factory_settings() const {
  Settings s;
  s.s.fill(0);
  s.s[2] = 43;   // escape character '+'
  s.s[3] = 13;   // command line terminator CR
  s.s[4] = 10;   // response formatting LF
  s.s[5] = 8;    // backspace
  s.s[6] = 2;    // wait for dial tone, s
  s.s[7] = 50;   // wait for carrier, s
  s.s[8] = 2;    // comma pause, s
  s.s[9] = 6;    // carrier detect response time, 1/10 s
  s.s[10] = 14;  // carrier loss to hang-up delay, 1/10 s
  s.s[11] = 95;  // DTMF tone duration, ms
  s.s[12] = 50;  // escape guard time, 1/50 s
  for (const auto& [n, v] : config_.registers) s.s[static_cast<std::size_t>(n)] = v;
  return s;
}

void Modem::remove_observer(ModemObserver* observer) { std::erase(observers_, observer); }

// --- the owner's options (DEVCFG) -------------------------------------------------------------

ModemOptions Modem::options() const {
  ModemOptions o;
  o.dte_rate = dte_rate_;
  o.speaker = settings_.speaker;
  o.volume = settings_.volume;
  const int x = settings_.call_progress;
  o.blind_dial = x == 0 || x == 1 || x == 3;  // X2 and X4 wait for dial tone
  o.flow_control = settings_.flow_control;
  o.call_setup_timeout = settings_.s[7];
  return o;
}

bool Modem::configure(const ModemOptions& o) {
  if ((o.dte_rate != 0 && (o.dte_rate < 300 || o.dte_rate > 921600)) || o.speaker < 0 || o.speaker > 3 ||
      o.volume < 0 || o.volume > 3 || (o.flow_control != 0 && o.flow_control != 3 && o.flow_control != 4) ||
      o.call_setup_timeout < 1 || o.call_setup_timeout > 255)
    return false;
  dte_rate_ = o.dte_rate;
  for (Settings* s : {&settings_, &stored_}) {
    s->speaker = o.speaker;
    s->volume = o.volume;
    s->call_progress = o.blind_dial ? 3 : 4;
    s->flow_control = o.flow_control;
    s->s[7] = o.call_setup_timeout;
  }
  notify_state();
  return true;
}

std::uint32_t Modem::max_speed() const {
  if (dte_rate_ == 0 || dte_rate_ >= config_.speed) return config_.speed;
  std::uint32_t best = std::begin(kRates)->bps;
  for (const Rate& r : kRates)
    if (r.bps <= dte_rate_) best = r.bps;
  return best;
}

void Modem::reset_to_idle() {
  if (state_ != State::Idle) {
    hang_up();
    enter_state(State::Idle);
  }
  scan_ = Scan::WaitA;
  line_buf_.clear();
}

// --- output -----------------------------------------------------------------------------

void Modem::emit(std::string_view bytes) {
  if (bytes.empty()) return;
  for (ModemObserver* o : observers_) o->on_modem_output(*this, bytes);
}

void Modem::notify_state() {
  for (ModemObserver* o : observers_) o->on_modem_state(*this);
}

std::string Modem::crlf() const {
  return {static_cast<char>(settings_.s[3]), static_cast<char>(settings_.s[4])};
}

void Modem::info_text(const std::string& text) {
  if (controlled_) return;
  // V1: <CR><LF>text<CR><LF>; V0: text<CR><LF>.
  emit((settings_.verbose ? crlf() : std::string()) + text + crlf());
}

std::string Modem::connect_text(std::uint32_t bps) const {
  if (settings_.call_progress == 0) return "CONNECT";
  return fmt::format("CONNECT {}", bps);
}

void Modem::result(ModemResult r, std::uint32_t bps) {
  // X chooses which call-progress results the modem reports; the others read NO CARRIER.
  const int x = settings_.call_progress;
  if ((r == ModemResult::Busy && x < 3) || (r == ModemResult::NoDialtone && (x == 0 || x == 1 || x == 3)) ||
      (r == ModemResult::NoAnswer && x == 0))
    r = ModemResult::NoCarrier;
  if (settings_.quiet || controlled_) return;
  const bool speed = r == ModemResult::Connect && bps != 0;
  if (settings_.verbose) {
    if (speed && settings_.connect_message == 1) {
      info_text(fmt::format("CARRIER {}", bps));
      info_text("PROTOCOL: NONE");
    }
    const std::string text = speed ? connect_text(bps) : std::string(to_string(r));
    emit(crlf() + text + crlf());
  } else {
    const int code = speed && x > 0 ? connect_code(bps) : static_cast<int>(r);
    emit(fmt::format("{}{}", code, static_cast<char>(settings_.s[3])));
  }
}

void Modem::enter_state(State s) {
  if (state_ == s) return;
  state_ = s;
  notify_state();
}

// --- terminal input -----------------------------------------------------------------------

void Modem::from_dte(std::string_view bytes) {
  if (controlled_ && state_ != State::Online) return;  // the provider, not the terminal, commands it
  for (char c : bytes) {
    switch (state_) {
      case State::Idle:
      case State::OffHook:
      case State::OnlineCommand:
        command_byte(c);
        break;
      case State::Online:
        online_byte(c);
        break;
      case State::Dialing:
      case State::Answering:
        // Any character aborts a call being set up, as on every Hayes modem; the line feed
        // (and NUL) a terminal may send after the command's CR does not.
        if (c == static_cast<char>(settings_.s[4]) || c == '\0') break;
        end_call(ModemResult::NoCarrier);
        break;
    }
  }
}

void Modem::command_byte(char c) {
  if (settings_.echo) emit(std::string_view(&c, 1));
  switch (scan_) {
    case Scan::WaitA:
      if (upper(c) == 'A') scan_ = Scan::WaitT;
      return;
    case Scan::WaitT:
      if (upper(c) == 'T') {
        scan_ = Scan::Body;
        line_buf_.clear();
      } else if (c == '/') {
        scan_ = Scan::WaitA;
        execute_line(last_line_);  // A/ repeats the last command line at once
      } else if (upper(c) != 'A') {
        scan_ = Scan::WaitA;
      }
      return;
    case Scan::Body:
      if (c == static_cast<char>(settings_.s[3])) {
        scan_ = Scan::WaitA;
        const std::string body = std::move(line_buf_);
        line_buf_.clear();
        last_line_ = body;
        execute_line(body);
      } else if (c == static_cast<char>(settings_.s[5])) {
        if (!line_buf_.empty()) line_buf_.pop_back();
      } else if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) {
        if (line_buf_.size() <= kMaxCommandLine) line_buf_ += c;
      }
      return;
  }
}

void Modem::execute_line(const std::string& body) {
  ++stats_.command_lines;
  if (body.size() > kMaxCommandLine) {
    ++stats_.errors;
    result(ModemResult::Error);
    return;
  }
  bool final_sent = false;
  const bool ok = run_commands(body, final_sent);
  if (!ok) {
    ++stats_.errors;
    result(ModemResult::Error);
    return;
  }
  if (!final_sent) result(ModemResult::Ok);
}

namespace {

/// Reads the commands of one command line (V.250 5.2: spaces are ignored, letters in either
/// case, a missing number is 0).
struct Cursor {
  std::string_view s;
  std::size_t i = 0;
  void skip_spaces() {
    while (i < s.size() && s[i] == ' ') ++i;
  }
  bool done() {
    skip_spaces();
    return i >= s.size();
  }
  char peek() {
    skip_spaces();
    return i < s.size() ? upper(s[i]) : '\0';
  }
  char take() {
    const char c = peek();
    if (i < s.size()) ++i;
    return c;
  }
  /// A decimal number, if one follows (at most 6 digits; more is an error: -1).
  std::optional<int> number() {
    skip_spaces();
    std::size_t j = i;
    int v = 0;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) {
      if (j - i >= 6) return -1;
      v = v * 10 + (s[j] - '0');
      ++j;
      while (j < s.size() && s[j] == ' ') ++j;
    }
    if (j == i) return std::nullopt;
    i = j;
    return v;
  }
  std::string_view rest() const { return i < s.size() ? s.substr(i) : std::string_view(); }
};

}  // namespace

bool Modem::set_register(int n, int value) {
  if (n < 0 || n > 255 || value < 0 || value > 255) return false;
  settings_.s[static_cast<std::size_t>(n)] = value;
  return true;
}

bool Modem::run_commands(std::string_view body, bool& final_sent) {
  Cursor in{body};
  // A basic command's value: absent is 0; it must lie in [lo, hi].
  auto value = [&](int lo, int hi, int& out) {
    const auto v = in.number();
    out = v.value_or(0);
    return out >= lo && out <= hi;
  };
  // "=v" and "?" act on the register an Sn selected (Hayes: ATS7=30, or ATS7 then AT=30).
  auto assign_selected = [&] {
    const auto val = in.number();
    return !(val && *val < 0) && set_register(selected_register_, val.value_or(0));
  };
  auto show_selected = [&] { info_text(fmt::format("{:03d}", settings_.s[static_cast<std::size_t>(selected_register_)])); };
  while (!in.done()) {
    const char c = in.take();
    int v = 0;
    switch (c) {
      case ';':  // separates an extended command from what follows
        break;
      case '+': {
        std::string_view rest = in.rest();
        if (!extended_command(rest)) return false;
        in.i = body.size() - rest.size();
        break;
      }
      case 'D':
        final_sent = true;
        if (state_ == State::Online || state_ == State::OnlineCommand) {
          final_sent = false;
          return false;
        }
        dial(in.rest());
        return true;  // the dial string is the rest of the line
      case 'A':
        if (state_ != State::Idle) return false;
        final_sent = true;
        answer_call();
        return true;  // the rest of the line is ignored
      case 'O':
        if (!value(0, 1, v)) return false;
        final_sent = true;
        go_online();
        return true;
      case 'H':
        if (!value(0, 1, v)) return false;
        if (v == 0) {
          if (state_ != State::Idle) {
            hang_up();
            enter_state(State::Idle);
          }
        } else if (state_ == State::Idle) {
          if (!line_ || !line_->off_hook()) return false;
          has_call_ = true;
          enter_state(State::OffHook);
        }
        break;
      case 'Z':
        if (!value(0, 1, v)) return false;
        if (state_ != State::Idle) {
          hang_up();
          enter_state(State::Idle);
        }
        settings_ = stored_;
        notify_state();
        return true;  // the rest of the line is ignored after a reset
      case 'E':
        if (!value(0, 1, v)) return false;
        settings_.echo = v == 1;
        break;
      case 'V':
        if (!value(0, 1, v)) return false;
        settings_.verbose = v == 1;
        break;
      case 'Q':
        if (!value(0, 1, v)) return false;
        settings_.quiet = v == 1;
        break;
      case 'X':
        if (!value(0, 4, v)) return false;
        settings_.call_progress = v;
        break;
      case 'L':
        if (!value(0, 3, v)) return false;
        settings_.volume = v;
        break;
      case 'M':
        if (!value(0, 3, v)) return false;
        settings_.speaker = v;
        break;
      case 'W':
        if (!value(0, 2, v)) return false;
        settings_.connect_message = v;
        break;
      case 'B':
        if (!value(0, 1, v)) return false;
        break;
      case 'T':
      case 'P':  // default dialling method: the PBX takes either
        break;
      case 'I':
        if (!value(0, 7, v)) return false;
        if (v == 0) info_text(fmt::format("{}", config_.speed));
        else if (v == 3) info_text(fmt::format("telsim modem {}", config_.name));
        else if (v == 1) info_text("000");
        else if (v == 2) info_text("OK");
        break;
      case 'S': {
        const auto n = in.number();
        if (n) {
          if (*n < 0 || *n > 255) return false;
          selected_register_ = *n;
        }
        const char op = in.peek();
        if (op == '=') {
          in.take();
          if (!assign_selected()) return false;
        } else if (op == '?') {
          in.take();
          show_selected();
        } else if (!n) {
          return false;
        }
        break;
      }
      case '=':
        if (!assign_selected()) return false;
        break;
      case '?':
        show_selected();
        break;
      case '&': {
        const char k = in.take();
        switch (k) {
          case 'C':
            if (!value(0, 1, v)) return false;
            settings_.dcd_follows_carrier = v == 1;
            notify_state();
            break;
          case 'D':
            if (!value(0, 3, v)) return false;
            settings_.dtr_mode = v;
            break;
          case 'F':
            if (!value(0, 0, v)) return false;
            settings_ = factory_settings();
            notify_state();
            break;
          case 'K':
            if (!value(0, 6, v)) return false;
            settings_.flow_control = v;
            break;
          case 'W':
            if (!value(0, 1, v)) return false;
            stored_ = settings_;
            break;
          case 'V': {
            if (!value(0, 0, v)) return false;
            const Settings& s = settings_;
            std::string regs;
            for (int n : {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
              regs += fmt::format("{}S{:02d}:{:03d}", regs.empty() ? "" : " ", n, s.s[static_cast<std::size_t>(n)]);
            info_text(fmt::format("ACTIVE PROFILE:{}E{} L{} M{} Q{} V{} W{} X{} &C{} &D{} &K{}{}{}", crlf(),
                                  s.echo ? 1 : 0, s.volume, s.speaker, s.quiet ? 1 : 0, s.verbose ? 1 : 0,
                                  s.connect_message, s.call_progress, s.dcd_follows_carrier ? 1 : 0,
                                  s.dtr_mode, s.flow_control, crlf(), regs));
            break;
          }
          default:
            return false;
        }
        break;
      }
      default:
        return false;  // not a command this modem knows
    }
  }
  return true;
}

bool Modem::extended_command(std::string_view& rest) {
  // +NAME, +NAME?, +NAME=?, +NAME=VALUE; ends at ';' or the end of the line.
  std::size_t end = rest.find(';');
  std::string_view cmd = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  std::string name;
  std::size_t i = 0;
  while (i < cmd.size() && (std::isalnum(static_cast<unsigned char>(cmd[i])) || cmd[i] == '_')) name += upper(cmd[i++]);
  std::string tail;
  for (; i < cmd.size(); ++i)
    if (cmd[i] != ' ') tail += upper(cmd[i]);
  const bool query = tail == "?";
  const bool test = tail == "=?";
  const bool set = !query && !test && !tail.empty() && tail.front() == '=';
  const std::string value = set ? tail.substr(1) : std::string();
  if (!query && !test && !set && !tail.empty()) return false;
  auto action = [&](const std::string& text) {
    if (set) return false;
    info_text(text);
    return true;
  };
  if (name == "GMI") return action("telsim");
  if (name == "GMM") return action(fmt::format("telsim V.34 modem ({} bps)", config_.speed));
  if (name == "GMR") return action("1.0");
  if (name == "GSN") return action(config_.name);
  if (name == "GCAP") return action("+GCAP: +FCLASS,+MS");
  if (name == "FCLASS") {  // only service class 0, data
    if (set) return value == "0";
    info_text(test ? "0" : "0");
    return true;
  }
  if (name == "MS") {  // modulation selection: accepted, the line rate is the configured one
    if (set) return true;
    info_text(test ? "+MS: (0,1,2,3,9,10,11),(0,1),(300-33600),(300-33600)"
                   : fmt::format("+MS: 11,1,300,{}", max_speed()));
    return true;
  }
  if (name == "IFC") {  // DTE-DCE flow control: accepted, nothing to control on a pty
    if (set) return true;
    info_text(test ? "+IFC: (0-2),(0-2)" : "+IFC: 2,2");
    return true;
  }
  if (name == "IPR") {  // DTE rate: accepted, a pty has none
    if (set) return true;
    info_text(test ? "+IPR: (0,300,1200,2400,4800,9600,19200,38400,57600,115200)" : "+IPR: 0");
    return true;
  }
  return false;
}

// --- calls -------------------------------------------------------------------------------

void Modem::dial(std::string_view dial_string) {
  // The dial string: digits, * # A-D, "," (pause S8), ";" (back to command mode once dialled);
  // T and P choose tone or pulse, W waits for dial tone (the PBX has given it), L redials.
  // V.250 6.3.1: other characters are ignored.
  std::string digits;
  bool semicolon = false;
  std::deque<std::string> chunks;
  auto flush = [&] {
    if (!digits.empty()) chunks.push_back(std::move(digits));
    digits.clear();
  };
  std::string source(dial_string);
  if (!source.empty() && upper(source.front()) == 'L') source = last_dialled_;
  for (char raw : source) {
    const char c = upper(raw);
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '*' || c == '#' || (c >= 'A' && c <= 'D')) {
      digits += c;
    } else if (c == ',') {
      flush();
      chunks.emplace_back(",");
    } else if (c == ';') {
      semicolon = true;
      break;
    }
  }
  flush();
  last_dialled_ = source.substr(0, source.find(';'));
  if (state_ == State::Idle) {
    if (!line_ || !line_->off_hook()) {
      result(ModemResult::NoDialtone);
      return;
    }
    has_call_ = true;
    ++stats_.calls_placed;
  }
  dial_chunks_ = std::move(chunks);
  return_to_command_ = semicolon;
  enter_state(State::Dialing);
  dial_next();
}

void Modem::dial_next() {
  while (!dial_chunks_.empty()) {
    std::string chunk = std::move(dial_chunks_.front());
    dial_chunks_.pop_front();
    if (chunk == ",") {
      dial_timer_ = scheduler_.schedule(std::chrono::seconds(settings_.s[8]), [this] {
        dial_timer_ = {};
        dial_next();
      });
      return;
    }
    if (line_) line_->dial(chunk);
  }
  if (return_to_command_) {
    return_to_command_ = false;
    enter_state(State::OffHook);
    result(ModemResult::Ok);
    return;
  }
  start_carrier_wait();
}

void Modem::answer_call() {
  if (!ringing_ || !line_ || !line_->answer()) {
    // Nothing rings: like any Hayes modem, go off-hook in answer mode and wait for a carrier
    // that will not come (S7), unless a key aborts it.
    enter_state(State::Answering);
    start_carrier_wait();
    return;
  }
  ringing_ = false;
  has_call_ = true;
  scheduler_.cancel(ring_timer_);
  settings_.s[1] = 0;
  ++stats_.calls_answered;
  enter_state(State::Answering);
  start_carrier_wait();
}

void Modem::start_carrier_wait() {
  scheduler_.cancel(carrier_timer_);
  const int s7 = std::max(1, settings_.s[7]);
  carrier_timer_ = scheduler_.schedule(std::chrono::seconds(s7), [this] {
    carrier_timer_ = {};
    carrier_wait_expired();
  });
}

void Modem::carrier_wait_expired() {
  if (!wants_carrier()) return;
  // Ringback that never stopped is NO ANSWER; anything else (answered by a voice, silence)
  // is NO CARRIER.
  end_call(state_ == State::Dialing && call_state_ == CallState::RingBack ? ModemResult::NoAnswer
                                                                          : ModemResult::NoCarrier);
}

void Modem::end_call(ModemResult r) {
  hang_up();
  enter_state(State::Idle);
  if (r == ModemResult::NoCarrier) ++stats_.no_carrier;
  result(r);
}

void Modem::hang_up() {
  scheduler_.cancel(dial_timer_);
  scheduler_.cancel(carrier_timer_);
  scheduler_.cancel(hangup_timer_);
  scheduler_.cancel(tx_timer_);
  scheduler_.cancel(escape_timer_);
  dial_chunks_.clear();
  return_to_command_ = false;
  tx_.clear();
  tx_head_ = 0;
  rx_held_.clear();
  pluses_ = 0;
  const bool had_carrier = carrier();
  carrier_speed_ = 0;
  call_state_ = CallState::Idle;
  if (has_call_) {
    has_call_ = false;
    if (line_) line_->on_hook();
  }
  if (had_carrier) notify_state();
}

void Modem::go_online() {
  if (!carrier()) {
    result(ModemResult::NoCarrier);
    return;
  }
  enter_state(State::Online);
  pluses_ = 0;
  last_data_at_ = scheduler_.now();
  result(ModemResult::Connect, carrier_speed_);
  if (!rx_held_.empty()) {
    const std::string held = std::move(rx_held_);
    rx_held_.clear();
    emit(held);
  }
}

// --- telephone side ----------------------------------------------------------------------

void Modem::incoming(Duration cadence) {
  if (state_ != State::Idle || ringing_) return;
  ringing_ = true;
  ring_cadence_ = cadence;
  settings_.s[1] = 0;
  ring();
}

void Modem::ring() {
  if (!ringing_) return;
  settings_.s[1] = std::min(255, settings_.s[1] + 1);
  result(ModemResult::Ring);
  if (controlled_) {
    // The application answers (lineAnswer); the terminal hears no RING.
    ring_timer_ = scheduler_.schedule(ring_cadence_, [this] {
      ring_timer_ = {};
      ring();
    });
    return;
  }
  const bool dtr_allows = dtr_ || settings_.dtr_mode < 2;
  if (state_ == State::Idle && settings_.s[0] > 0 && settings_.s[1] >= settings_.s[0] && dtr_allows) {
    answer_call();
    return;
  }
  ring_timer_ = scheduler_.schedule(ring_cadence_, [this] {
    ring_timer_ = {};
    ring();
  });
}

void Modem::call_state(CallState state, DisconnectMode mode) {
  const CallState before = call_state_;
  call_state_ = state;
  switch (state_) {
    case State::Idle:
      if (ringing_ && (state == CallState::Idle || state == CallState::Disconnected)) {
        ringing_ = false;  // the caller gave up
        scheduler_.cancel(ring_timer_);
        settings_.s[1] = 0;
      } else if (ringing_ && state == CallState::Connected) {
        // Answered on the modem's behalf (a TAPI lineAnswer on its line): answer mode.
        ringing_ = false;
        has_call_ = true;
        scheduler_.cancel(ring_timer_);
        ++stats_.calls_answered;
        enter_state(State::Answering);
        start_carrier_wait();
      } else if (!ringing_ && !has_call_ && state != CallState::Idle && state != CallState::Offering &&
                 before == CallState::Idle) {
        // A call placed from the modem's line on its behalf (lineMakeCall): originate mode.
        has_call_ = true;
        ++stats_.calls_placed;
        enter_state(State::Dialing);
        start_carrier_wait();
      }
      return;
    case State::Dialing:
      if (state == CallState::Busy) return end_call(ModemResult::Busy);
      if (state == CallState::SpecialInfo) return end_call(ModemResult::NoCarrier);
      if (state == CallState::Disconnected || state == CallState::Idle) {
        if (mode == DisconnectMode::Busy || mode == DisconnectMode::Congestion) return end_call(ModemResult::Busy);
        if (mode == DisconnectMode::NoDialTone) return end_call(ModemResult::NoDialtone);
        return end_call(ModemResult::NoCarrier);
      }
      return;
    case State::Answering:
      if (state == CallState::Disconnected || state == CallState::Idle) end_call(ModemResult::NoCarrier);
      return;
    case State::Online:
    case State::OnlineCommand:
      if ((state == CallState::Disconnected || state == CallState::Idle) && controlled_) {
        // The application dropped the call, or the far end did: its provider hangs up at once.
        scheduler_.cancel(hangup_timer_);
        return end_call(ModemResult::NoCarrier);
      }
      if ((state == CallState::Disconnected || state == CallState::Idle) && !hangup_timer_) {
        // The far modem dropped its carrier: hang up after S10 tenths of a second.
        hangup_timer_ = scheduler_.schedule(std::chrono::milliseconds(100 * settings_.s[10]), [this] {
          hangup_timer_ = {};
          end_call(ModemResult::NoCarrier);
        });
      }
      return;
    case State::OffHook:
      if (state == CallState::Idle) has_call_ = false;  // gone; ATH puts the modem on-hook
      return;
  }
}

void Modem::carrier_up(std::uint32_t bps) {
  if (!wants_carrier() || !has_call_) return;
  scheduler_.cancel(carrier_timer_);
  // The far modem answered while digits after a pause were still to go: the call is made.
  scheduler_.cancel(dial_timer_);
  dial_chunks_.clear();
  return_to_command_ = false;
  carrier_speed_ = bps;
  ++stats_.connects;
  stats_.last_speed = bps;
  pluses_ = 0;
  last_data_at_ = scheduler_.now();
  state_ = State::Online;
  notify_state();
  result(ModemResult::Connect, bps);
  if (!config_.banner.empty()) send(config_.banner);
}

void Modem::receive(std::string_view bytes) {
  if (!carrier() || hangup_timer_) return;
  stats_.bytes_received += bytes.size();
  if (config_.loopback) send(bytes);
  if (state_ == State::Online) {
    emit(bytes);
  } else if (rx_held_.size() + bytes.size() <= kMaxQueued) {
    rx_held_.append(bytes);  // delivered after ATO, as an error-correcting modem buffers it
  }
}

void Modem::set_controlled(bool on) {
  if (on == controlled_) return;
  const bool dtr_before = dtr();
  controlled_ = on;
  if (on) {
    pluses_ = 0;
    scheduler_.cancel(escape_timer_);
    scan_ = Scan::WaitA;
    line_buf_.clear();
  }
  notify_state();
  // Control ends with the terminal's DTR down: it acts as the drop it would have been.
  if (!on && dtr_before && !dtr_) {
    dtr_ = true;
    set_dtr(false);
  }
}

void Modem::set_dtr(bool on) {
  if (on == dtr_) return;
  const bool before = dtr();
  dtr_ = on;
  if (dtr() == before) return;  // held on by a controlling application
  notify_state();
  if (on) return;
  switch (settings_.dtr_mode) {
    case 0:  // &D0: DTR is ignored
      return;
    case 1:  // &D1: to online command mode, the call stays up
      if (state_ == State::Online) {
        enter_state(State::OnlineCommand);
        scan_ = Scan::WaitA;
        result(ModemResult::Ok);
      }
      return;
    case 2:  // &D2: hang up
    case 3:  // &D3: hang up and reset
      if (state_ != State::Idle) {
        const bool in_call = state_ != State::OffHook;
        hang_up();
        enter_state(State::Idle);
        if (in_call) {
          ++stats_.no_carrier;
          result(ModemResult::NoCarrier);
        }
      }
      if (settings_.dtr_mode == 3) {
        settings_ = stored_;
        notify_state();
      }
      return;
  }
}

// --- data pump and escape -------------------------------------------------------------------

void Modem::online_byte(char c) {
  const SimTime now = scheduler_.now();
  const Duration guard = std::chrono::milliseconds(20 * settings_.s[12]);
  const bool escape_char = !controlled_ && settings_.s[2] <= 127 && static_cast<unsigned char>(c) == settings_.s[2];
  if (escape_char) {
    // +++ is an escape only with S12 of silence before the first '+', each '+' within S12
    // of the previous one, and S12 of silence after the third.
    const bool continues = pluses_ > 0 && pluses_ < 3 && (guard == Duration::zero() || now - last_plus_at_ <= guard);
    if (continues) ++pluses_;
    else pluses_ = now - last_data_at_ >= guard ? 1 : 0;
    last_plus_at_ = now;
    scheduler_.cancel(escape_timer_);
    if (pluses_ == 3) {
      escape_timer_ = scheduler_.schedule(guard, [this] {
        escape_timer_ = {};
        escape_guard_expired();
      });
    }
  } else {
    pluses_ = 0;
    scheduler_.cancel(escape_timer_);
  }
  last_data_at_ = now;
  send(std::string_view(&c, 1));  // the escape characters go to the far modem too, like any data
}

void Modem::send(std::string_view bytes) {
  if (!carrier()) return;
  // No flow control: what does not fit is lost.
  const std::size_t room = kMaxQueued - std::min(kMaxQueued, tx_.size() - tx_head_);
  tx_.append(bytes.substr(0, room));
  if (!tx_timer_ && tx_head_ < tx_.size()) {
    tx_epoch_ = scheduler_.now();
    tx_sent_since_epoch_ = 0;
    tx_timer_ = scheduler_.schedule(byte_time(), [this] { pump(); });
  }
}

void Modem::escape_guard_expired() {
  if (pluses_ != 3 || state_ != State::Online) return;
  pluses_ = 0;
  ++stats_.escapes;
  enter_state(State::OnlineCommand);
  scan_ = Scan::WaitA;
  result(ModemResult::Ok);
}

Duration Modem::byte_time() const {
  const std::uint32_t bps = std::max<std::uint32_t>(carrier_speed_, 1);
  return Duration((kNsPerTenBits + bps - 1) / bps);
}

void Modem::pump() {
  tx_timer_ = {};
  if (!carrier()) return;
  const std::uint32_t bps = carrier_speed_;
  const SimTime now = scheduler_.now();
  // Byte k (1-based) of this burst has left the modem at epoch + k * 10 / bps seconds.
  const auto due = static_cast<std::uint64_t>((now - tx_epoch_).count()) * bps / kNsPerTenBits;
  const std::size_t queued = tx_.size() - tx_head_;
  const std::uint64_t ready = due > tx_sent_since_epoch_ ? due - tx_sent_since_epoch_ : 0;
  const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(ready, queued));
  if (n > 0) {
    const std::string chunk = tx_.substr(tx_head_, n);
    tx_head_ += n;
    tx_sent_since_epoch_ += n;
    stats_.bytes_sent += n;
    if (line_) line_->transmit(chunk);
    if (!carrier()) return;  // the far end went away while it took the bytes
  }
  if (tx_head_ == tx_.size()) {
    tx_.clear();
    tx_head_ = 0;
    return;  // idle until the terminal writes again
  }
  if (tx_head_ > 64 * 1024) {
    tx_.erase(0, tx_head_);
    tx_head_ = 0;
  }
  // Every bps/10 bytes is exactly one second: move the epoch on so the products stay small.
  while (tx_sent_since_epoch_ >= bps / 10) {
    tx_epoch_ += std::chrono::seconds(1);
    tx_sent_since_epoch_ -= bps / 10;
  }
  const SimTime next = tx_epoch_ + Duration(static_cast<std::int64_t>(
                                       ((tx_sent_since_epoch_ + 1) * kNsPerTenBits + bps - 1) / bps));
  tx_timer_ = scheduler_.schedule(std::max(next - now, kPumpQuantum), [this] { pump(); });
}

}  // namespace telsim
