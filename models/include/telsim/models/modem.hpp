#pragma once
/// A Hayes/V.250 data modem on a PBX line: the AT command interpreter its terminal (the DTE)
/// talks to, the call progress it reports as result codes, and the data pump that carries the
/// terminal's bytes to the far modem at the connected line rate (10 bits a byte: start bit,
/// 8 data bits, stop bit). The core is plain C++ on the Scheduler facade and knows nothing of
/// the PBX: it asks its ModemLine for what it needs (off-hook, digits, answer, on-hook, bytes to
/// the far end) and is told what the line does. ModemBank attaches modems to a Pbx; the
/// surfaces (scenario steps, pseudo-terminals, TCP ports) feed it bytes and take its output.
/// The command set, result codes and timings are documented in docs/modems.md.
#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "telsim/models/scheduler.hpp"
#include "telsim/models/tapi.hpp"

namespace telsim {

using namespace std::chrono_literals;

/// V.250 result codes, with their numeric (ATV0) values.
enum class ModemResult : std::uint8_t {
  Ok = 0,
  Connect = 1,
  Ring = 2,
  NoCarrier = 3,
  Error = 4,
  NoDialtone = 6,
  Busy = 7,
  NoAnswer = 8,
};
/// "OK", "NO CARRIER", ...
std::string_view to_string(ModemResult r);

/// Line rates a modem may be configured for (V.21 to V.34), bit/s.
bool is_line_rate(std::uint32_t bps);
/// The ATV0 code of "CONNECT <bps>" (the Rockwell/Conexant table: 5 is 1200, 84 is 33600).
int connect_code(std::uint32_t bps);

/// One modem as a scenario describes it.
struct ModemConfig {
  std::string name;
  std::string number;            ///< its line (an extension of the PBX)
  std::uint32_t speed = 33600;   ///< the fastest line rate it trains to, bit/s
  Duration handshake = 3s;       ///< answer tone until CONNECT (training); the longer side's wins
  /// Factory S-register values that differ from the defaults, e.g. {0, 2}: answer on ring 2.
  std::map<int, int> registers;
  /// A modem with no terminal (the PSTN's far end): it sends `banner` once connected and, with
  /// `loopback`, sends back every byte it receives.
  bool loopback = false;
  std::string banner;
};

/// What the owner of a modem's line sets through its provider (Unimodem's DEVCFG: the DCB's
/// rate and MODEMSETTINGS), as the provider's initialisation string followed by &W would: the
/// active and the stored profile both take it, so ATZ keeps it.
struct ModemOptions {
  /// The terminal's rate (the DCB's BaudRate), bit/s; 0: none set (a pty has no rate). The
  /// modem has no error control to buffer with, so it trains to no faster line rate.
  std::uint32_t dte_rate = 0;
  int speaker = 1;              ///< M0 off, M1 on until carrier, M2 always on, M3 on while answering
  int volume = 1;               ///< L0-L3
  bool blind_dial = false;      ///< X3 (dial without waiting for dial tone) instead of X4
  int flow_control = 3;         ///< &K0 none, &K3 RTS/CTS, &K4 XON/XOFF
  int call_setup_timeout = 50;  ///< S7, seconds to wait for carrier (1-255)
};

/// What the modem asks of its telephone line. ModemBank implements it over the PBX. The calls
/// are requests: their outcome comes back through the Modem's telephone-side inputs.
class ModemLine {
 public:
  virtual ~ModemLine() = default;
  /// Go off-hook for a new call. False when the line gives no dial tone (no call appearance).
  virtual bool off_hook() = 0;
  /// Send digits on the current call (the PBX outpulses them). False if there is no call.
  virtual bool dial(std::string_view digits) = 0;
  /// Answer the call that is ringing. False if nothing rings.
  virtual bool answer() = 0;
  /// Hang up: the call, if any, is dropped and released.
  virtual void on_hook() = 0;
  /// Bytes for the far modem; the sender has paced them already.
  virtual void transmit(std::string_view bytes) = 0;
};

class Modem;

/// Told of what a modem sends its terminal and of its state changes.
class ModemObserver {
 public:
  virtual ~ModemObserver() = default;
  /// Bytes the modem sends to its terminal (echo, result codes, received data).
  virtual void on_modem_output(const Modem& /*modem*/, std::string_view /*bytes*/) {}
  /// The modem's state, carrier or DCD changed.
  virtual void on_modem_state(const Modem& /*modem*/) {}
};

class Modem {
 public:
  /// What the modem is doing, as its terminal sees it.
  enum class State : std::uint8_t {
    Idle,           ///< on-hook, command mode (RING is reported here while a call rings)
    OffHook,        ///< off-hook in command mode without a data call (ATH1, or ATD...;)
    Dialing,        ///< ATD: dialling, then waiting for answer and carrier (at most S7)
    Answering,      ///< ATA or auto-answer: answer tone, waiting for carrier (at most S7)
    Online,         ///< carrier up, data mode: terminal bytes go to the far modem
    OnlineCommand,  ///< carrier up, command mode (after +++ or a DTR drop under &D1)
  };

  /// Counters for the run's report.
  struct Stats {
    std::uint64_t command_lines = 0;
    std::uint64_t errors = 0;          ///< command lines answered ERROR
    std::uint64_t calls_placed = 0;    ///< ATD that went off-hook
    std::uint64_t calls_answered = 0;  ///< ATA or auto-answer
    std::uint64_t connects = 0;        ///< CONNECT results
    std::uint64_t no_carrier = 0;      ///< calls that ended NO CARRIER
    std::uint64_t escapes = 0;         ///< +++ escapes recognised
    std::uint64_t bytes_sent = 0;      ///< data bytes that reached the far modem
    std::uint64_t bytes_received = 0;  ///< data bytes from the far modem
    std::uint32_t last_speed = 0;      ///< rate of the last connection, bit/s
  };

  Modem(Scheduler& scheduler, ModemConfig config);
  Modem(const Modem&) = delete;
  Modem& operator=(const Modem&) = delete;

  void attach(ModemLine* line) { line_ = line; }
  void add_observer(ModemObserver* observer) { observers_.push_back(observer); }
  void remove_observer(ModemObserver* observer);

  const ModemConfig& config() const { return config_; }
  const std::string& name() const { return config_.name; }
  State state() const { return state_; }
  /// Carrier is up (Online or OnlineCommand).
  bool carrier() const { return carrier_speed_ != 0; }
  std::uint32_t carrier_speed() const { return carrier_speed_; }
  /// Data Carrier Detect as the terminal sees it: the carrier under &C1, always on under &C0.
  bool dcd() const { return settings_.dcd_follows_carrier ? carrier() : true; }
  /// DTR as the modem acts on it: held on while a TAPI application controls the modem.
  bool dtr() const { return dtr_ || controlled_; }
  int s_register(int n) const { return settings_.s[static_cast<std::size_t>(n)]; }
  const Stats& stats() const { return stats_; }

  /// What ModemOptions says of the active profile.
  ModemOptions options() const;
  /// Take `o` into the active and the stored profile. False, changing nothing, when a value is
  /// out of its range (a DTE rate outside 300 to 921600, M or L above 3, &K other than 0, 3 or
  /// 4, S7 outside 1 to 255).
  bool configure(const ModemOptions& o);
  /// The fastest line rate it trains to: the scenario's `speed`, capped by the DTE rate.
  std::uint32_t max_speed() const;
  /// Back on-hook in command mode at once, without a result code (a provider ending
  /// passthrough, as Unimodem drops DTR): a call is dropped, a half-typed command forgotten.
  void reset_to_idle();

  // --- terminal side (DTE) -----------------------------------------------------------
  /// Bytes the terminal wrote, arriving now.
  void from_dte(std::string_view bytes);
  /// The terminal raised or dropped DTR (&D decides what a drop does).
  void set_dtr(bool on);

  // --- telephone side (ModemBank) ----------------------------------------------------
  /// A call is offered to the line; the modem reports RING every `cadence` while it rings
  /// and answers on ring S0 (S0 > 0).
  void incoming(Duration cadence);
  /// The state of the modem's current call changed (its own call: placed or answered).
  void call_state(CallState state, DisconnectMode mode);
  /// The far modem finished training: data flows at `bps` from now on.
  void carrier_up(std::uint32_t bps);
  /// Bytes from the far modem.
  void receive(std::string_view bytes);

  /// A TAPI application owns the modem's line, as Unimodem holds a modem: its provider dials,
  /// answers and hangs up through the line, and the terminal (the program's comm/datamodem
  /// handle) sees only the data. While controlled the modem sends no echo, result codes or
  /// RING; it ignores the terminal's bytes in command mode and while a call is set up, answers
  /// only when told (no S0 auto-answer), knows no +++ escape, and takes DTR as held on (the
  /// provider keeps the port open). Ending control leaves a call up; the terminal's DTR counts
  /// again from then on.
  void set_controlled(bool on);
  bool controlled() const { return controlled_; }

  /// True while the modem wants a carrier (it dialled or answered as a data modem).
  bool wants_carrier() const { return state_ == State::Dialing || state_ == State::Answering; }

 private:
  struct Settings {
    bool echo = true;                 // E1
    bool verbose = true;              // V1
    bool quiet = false;               // Q0
    int call_progress = 4;            // X4
    bool dcd_follows_carrier = true;  // &C1
    int dtr_mode = 2;                 // &D2
    int connect_message = 0;          // W0
    int flow_control = 3;             // &K3
    int speaker = 1;                  // M1
    int volume = 1;                   // L1
    std::array<int, 256> s{};
  };
  Settings factory_settings() const;

  // Terminal input.
  void command_byte(char c);
  void online_byte(char c);
  void execute_line(const std::string& body);
  /// Runs the commands of one line after "AT"; false on the first one that fails (ERROR).
  bool run_commands(std::string_view body, bool& final_sent);
  /// One +NAME command; `rest` starts after the '+' and is left after it.
  bool extended_command(std::string_view& rest);
  bool set_register(int n, int value);

  // Output.
  void emit(std::string_view bytes);
  void result(ModemResult r, std::uint32_t bps = 0);
  void info_text(const std::string& text);
  std::string crlf() const;
  std::string connect_text(std::uint32_t bps) const;
  void notify_state();

  // Calls.
  void dial(std::string_view dial_string);
  void dial_next();
  void answer_call();
  void start_carrier_wait();
  void carrier_wait_expired();
  void end_call(ModemResult r);
  void hang_up();
  void go_online();
  void enter_state(State s);
  void ring();

  // Data pump.
  void send(std::string_view bytes);
  void pump();
  Duration byte_time() const;
  void escape_guard_expired();

  Scheduler& scheduler_;
  ModemConfig config_;
  ModemLine* line_ = nullptr;
  std::vector<ModemObserver*> observers_;
  Settings settings_;
  Settings stored_;  // &W
  State state_ = State::Idle;
  Stats stats_;
  bool dtr_ = true;
  bool controlled_ = false;
  std::uint32_t dte_rate_ = 0;  // ModemOptions::dte_rate

  // Command line assembly.
  enum class Scan : std::uint8_t { WaitA, WaitT, Body };
  Scan scan_ = Scan::WaitA;
  std::string line_buf_;
  std::string last_line_;  // A/ repeats it
  std::string last_dialled_;  // ATDL redials it
  int selected_register_ = 0;

  // Call progress.
  bool has_call_ = false;        // the line holds a call for us (placed or answered)
  bool ringing_ = false;         // a call is offered and not yet answered
  CallState call_state_ = CallState::Idle;
  std::deque<std::string> dial_chunks_;  // digit runs still to send; "," is a pause
  bool return_to_command_ = false;       // dial string ended with ';'
  TimerHandle dial_timer_;
  TimerHandle carrier_timer_;  // S7
  TimerHandle ring_timer_;
  TimerHandle hangup_timer_;   // S10 after the far end dropped carrier
  Duration ring_cadence_{0};
  std::uint32_t carrier_speed_ = 0;

  // Data pump: bytes from the terminal on their way to the far modem.
  std::string tx_;
  std::size_t tx_head_ = 0;
  SimTime tx_epoch_{0};          // when the byte at tx_sent_base_ started
  std::uint64_t tx_sent_since_epoch_ = 0;
  TimerHandle tx_timer_;
  std::string rx_held_;  // far-end data that arrived in online command mode

  // Escape sequence (+++ with S12 guard time on both sides).
  SimTime last_data_at_{0};
  SimTime last_plus_at_{0};
  int pluses_ = 0;
  TimerHandle escape_timer_;
};

/// "idle", "off_hook", "dialing", "answering", "online", "online_command".
std::string_view to_string(Modem::State s);
std::optional<Modem::State> parse_modem_state(std::string_view name);

}  // namespace telsim
