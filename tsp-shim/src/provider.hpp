#pragma once
// The telsim TAPI service provider: one line device per simulated line of a `telsim serve`,
// every TSPI operation a request of its JSON-lines protocol (docs/protocol.md, docs/tsp.md).
//
// Threads. The telephony service calls the TSPI functions on any of its threads, concurrently.
// They only read and update the state below under `lock_` (an SRWLOCK), queue frames for the
// server and return: no TSPI function waits for the network or for the I/O thread, so nothing
// the telephony service holds while calling in can deadlock against us. One I/O thread owns the
// socket: it connects (and reconnects), writes the queued frames, reads and applies replies and
// events, and makes every call into TAPI (LINEEVENT, ASYNC_COMPLETION, LINE_CREATE), in the
// order the server's frames arrived, never holding `lock_` while TAPI runs. `callback_lock_` is
// held only across a call into TAPI, so TAPI is never re-entered from two threads at once
// (ASYNC_COMPLETION's rule); the only other threads that take it are TSPI_lineCloseCall,
// TSPI_lineClose and TSPI_providerShutdown, which must report the abandoned requests of what
// they close before they return.
//
// Requests. An asynchronous TSPI function checks what it can locally (handles, the line being
// in service, dial strings), writes the handles of the calls it creates, queues the request and
// returns dwRequestID. The server's reply becomes ASYNC_COMPLETION (0, or the LINEERR_* value of
// its `error`); a switch that replies late (reply_delay) completes as late. A created call
// becomes valid only after that completion returned (the "start lifetime" rule): until then it
// is in no count and gets no LINEEVENT. A switch may report a call a request creates before the
// reply that names its handle (reply_order after_events: the events at once, the reply later).
// So while a creating request is out, the I/O thread keeps the events (call_state, call_info,
// call_privilege) of server handles it does not know, and those naming a conference call it does
// not know yet (a member's CONFERENCED before lineSetupConference completed), with the later
// events of the same calls; the reply that names the handles puts them, in their order, at the
// front of the inbox, behind the request's completion, and each is then applied and reported as
// if it had just come. Once no creating request is left, what is still kept is applied if its
// call is known and dropped if not (events of unknown calls are ignored, as ever).
//
// Events. `new_call` -> LINE_NEWCALL (TAPI's handle read back from dwParam2; NULL means TAPI is
// backlogged: offered again a little later, then given up and dropped), `call_state` ->
// LINE_CALLSTATE, `call_info` -> LINE_CALLINFO, `address_state` -> LINE_ADDRESSSTATE FORWARD,
// `line_state` MSGWAIT* -> LINE_LINEDEVSTATE. A call's features can change when another call on
// its line changes (a consultation call connects: the original may now COMPLETETRANSF), and the
// server only reports a call's features with its own state: after each call_state the I/O
// thread re-reads the features of the other calls on that line and holds back the callbacks
// until they are in, so LINECALLSTATUS is current whenever TAPI hears of a change. The server
// announces a call with its parties only to clients that did not create it: for a call a
// request created (a pickup, an unpark, a dialled call) the I/O thread reads `call_info` and
// holds back the request's completion until it is in, so LINECALLINFO has the caller, the
// called and the connected party from the start.
//
// The server going away (EOF, reset, a request or keepalive unanswered within the timeout):
// pending requests complete with LINEERR_OPERATIONFAILED, live calls go DISCONNECTED
// (LINEDISCONNECTMODE_TEMPFAILURE) then IDLE, open lines get LINE_LINEDEVSTATE OUTOFSERVICE and
// refuse new requests with LINEERR_INVALLINESTATE. The I/O thread reconnects with backoff,
// re-opens the open lines and reports INSERVICE; lines the server did not have at start-up are
// announced with LINE_CREATE.
#include <winsock2.h>
#include <windows.h>
#include <tapi.h>
#include <tspi.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "call_params.hpp"
#include "media.hpp"
#include "settings.hpp"
#include "wire.hpp"

namespace telsim::tsp {

inline constexpr DWORD kLowestTspiVersion = 0x00020000;   // TAPI 2.0
inline constexpr DWORD kHighestTspiVersion = 0x00030000;  // TAPI 3.0
inline constexpr std::size_t kNoLine = static_cast<std::size_t>(-1);

/// What the simulated switch does, from the optional `pbx` object of the hello reply (the switch
/// profile's settings by name, `park`, `pickup` and `operations`); the simulator's defaults for
/// whatever the server does not say. Every capability and feature bit the TSP reports is built
/// from this (provider_structs.cpp; docs/tsp.md, "Capabilities").
struct SwitchCaps {
  bool autoreconnect = false;
  bool confdrop = true;
  DWORD conference_max = 5;
  DWORD max_calls_per_line = 8;
  DWORD answer_mode = LINEANSWERMODE_HOLD;
  bool transfer_recall = false;
  bool redirect_from_accepted = false;
  DWORD forward_hop_limit = 10;
  DWORD dial_pause_ms = 2000;  ///< `,` in a dial string (LINEDIALPARAMS.dwDialPause)
  bool dial_dialtone = true;   ///< `W` (LINEDEVCAPFLAGS_DIALDIALTONE)
  bool dial_quiet = true;      ///< `@` (LINEDEVCAPFLAGS_DIALQUIET)
  bool dial_billing = true;    ///< `$` (LINEDEVCAPFLAGS_DIALBILLING)
  bool partial_dial = true;    ///< `;` (LINEADDRCAPFLAGS_PARTIALDIAL)
  bool transfer_held = true;   ///< LINEADDRCAPFLAGS_TRANSFERHELD (with complete_transfer)
  bool transfer_make = true;   ///< LINEADDRCAPFLAGS_TRANSFERMAKE (with complete_transfer)
  bool conference_held = true; ///< LINEADDRCAPFLAGS_CONFERENCEHELD (with add_to_conference)
  bool conference_make = true; ///< LINEADDRCAPFLAGS_CONFERENCEMAKE (with add_to_conference)
  /// LINEREMOVEFROMCONF_ANY / LAST / NONE: which party lineRemoveFromConference may take out
  /// (`remove_from_conference` any / last / none; NONE also when the operation is not offered).
  DWORD remove_from_conf = LINEREMOVEFROMCONF_ANY;
  bool park = true;            ///< the switch has park orbits
  bool pickup = true;          ///< the switch has pickup groups
  /// The operations the switch offers, by Op (hello's `operations`; all when it is not sent).
  std::array<bool, kOpCount> offered = [] {
    std::array<bool, kOpCount> a{};
    a.fill(true);
    return a;
  }();
  std::string server = "telsim";
  std::string scenario;
  std::string personality;     ///< the preset the switch profile started from ("" for none)
  /// Media, digits, tones, user-user information and call data (hello's `pbx.media`; nothing
  /// offered when the server says nothing of them).
  media::Caps media;
  /// Queues and agents (hello's `pbx.acd` is an object): TELSIM_lineProxyRequest is served.
  bool acd = false;

  bool supports(Op op) const { return offered[static_cast<std::size_t>(op)]; }
  /// The operation can be asked for at all: offered, and a park or unpark only where there are
  /// orbits (the switch refuses every one without).
  bool usable(Op op) const { return supports(op) && (park || (op != Op::Park && op != Op::Unpark)); }
  /// LINECALLFEATURE_* of the operations the switch offers (PARK only with park orbits): a call
  /// never advertises more.
  DWORD call_features() const;
};

/// One forwarding rule as TAPI sees it (LINEFORWARD): LINEFORWARDMODE_* and destination.
struct ForwardEntry {
  DWORD mode = 0;
  std::string to;
};

/// One line device: a simulated line by its number. Never removed (TAPI cannot remove devices):
/// a line the server no longer has is out of service. Opening it opens the server's line
/// (`open`); a modem's line too, which makes its modem TAPI's, as Unimodem holds a modem.
struct Line {
  std::size_t index = 0;
  bool has_device_id = false;
  DWORD device_id = 0;
  DWORD_PTR temp_id = 0;  ///< LINE_CREATE's id until TSPI_providerCreateLineDevice
  std::string number;
  std::string name;
  std::string kind = schema::value::kExtension;  ///< list_lines' optional `kind` ("extension", "modem")
  /// A modem's line: its calls are data calls (LINEMEDIAMODE_DATAMODEM), it has a DEVCFG and a
  /// comm/datamodem port, and a call there is CONNECTED once the carriers are up.
  bool is_modem() const { return kind == schema::value::kModem; }
  bool present = true;             ///< in the server's latest list_lines
  // TAPI's side
  bool open = false;
  HTAPILINE ht = nullptr;
  LINEEVENT event_proc = nullptr;
  DWORD version = kHighestTspiVersion;
  DWORD media_modes = 0;
  std::uint64_t open_generation = 0;
  // the server's side
  enum class ServerOpen { Closed, Opening, Open, Refused };
  ServerOpen server_open = ServerOpen::Closed;
  bool reported_in_service = true;  ///< what TAPI was last told (it assumes in service)
  std::vector<ForwardEntry> forwarding;
  DWORD no_answer_rings = 0;
  int messages_waiting = 0;
  // a modem's line (list_lines' `modem`)
  std::string pty;            ///< the link to its pseudo-terminal on the server's machine; empty: none
  DWORD modem_speed = 0;      ///< its carrier speed (bit/s), for the DEVCFG's DCB
  std::vector<BYTE> devconfig;  ///< lineSetDevConfig's DEVCFG; empty: the default
  /// What the server's modem_config says the modem has (what lineSetDevConfig sent, until the
  /// reply): lineGetDevConfig's DCB rate and MODEMSETTINGS.
  struct ModemOptions {
    bool known = false;
    DWORD dte_rate = 0;  ///< 0: none set (the DCB then shows the modem's speed)
    DWORD speaker = 1, volume = 1, flow_control = 3, call_setup_timeout = 50;
    bool blind_dial = false;
  } modem_options;
  std::uint64_t modem_config_sent = 0;  ///< modem_config requests sent: only the latest's reply counts
  bool modem_online = false;    ///< its modem's latest modem_state is `online` (carrier, data mode)
  /// A LINEBEARERMODE_PASSTHROUGH call holds the modem: its program has the AT interpreter, and
  /// the calls its commands make are the terminal's, not TAPI's (their new_call is ignored).
  bool passthrough = false;
  // its agent (the ACD's agent on this extension), as the server's replies and events said
  bool agent_known = false;   ///< an agent_caps or agent_status named it
  DWORD agent = 0;            ///< its id (HAGENT for lineSetAgentStateEx)
  DWORD agent_features = 0;   ///< LINEAGENTFEATURE_* (agent_caps)
};

/// One call handle (HDRVCALL). Kept until TSPI_lineCloseCall, whatever happened to it.
struct Call {
  std::uint64_t handle = 0;
  std::size_t line = kNoLine;
  HTAPICALL ht = nullptr;
  std::string server;  ///< "c17"; empty while its creating request is pending, or once the server is gone
  bool valid = false;  ///< TAPI knows it (start lifetime rule)
  bool failed = false; ///< its creating request failed; TAPI will close it
  bool conference_call = false;
  int newcall_attempts = 0;
  DWORD state = 0;      ///< LINECALLSTATE_*, 0 before the first
  DWORD disconnect_mode = 0;  ///< the state's mode: LINEDISCONNECTMODE, or LINEBUSYMODE when BUSY
  DWORD features = 0;   ///< LINECALLFEATURE_*
  DWORD reason = LINECALLREASON_DIRECT;
  bool inbound = false;
  std::string from, to, original_to;
  std::string queue;  ///< the ACD queue that offered it to this agent (new_call's `queue`); its pilot is original_to
  std::string redirection, redirecting;  ///< the server's RedirectionID / RedirectingID (D4); may be absent
  std::string redirection_id() const;    ///< LINECALLINFO's, with the fallback of a server that sends neither
  std::string redirecting_id() const;
  std::string connected;  ///< the party it is linked to now (LINECALLINFO's connected ID); empty: none
  DWORD completion = 0;   ///< the call's completion id (dwCompletionID), whatever its reason
  std::uint64_t conference = 0;  ///< the conference call this call is a member of
  bool secure = false;
  DWORD app_specific = 0;
  SYSTEMTIME state_entry{};
  /// Lines shared with other processes (TELSIM_providerShareLines): this process's privilege on
  /// the call as the server gave it (LINECALLPRIVILEGE_OWNER for what it created; 0 unknown),
  /// and the media mode of the handoff that made it the owner.
  DWORD privilege = 0;
  DWORD handoff_media = 0;
  /// A handoff made this process an owner (call_privilege): the server repeats the call's state
  /// next, which TAPI has told already.
  bool state_repeated = false;
  /// On a modem's line: the server said CONNECTED, TAPI hears it once the modem is online.
  bool awaiting_carrier = false;
  /// LINEBEARERMODE_PASSTHROUGH: no call of the switch (no server handle), the modem handed to
  /// the program (modem_passthrough); CONNECTED at once, lineDrop takes the modem back.
  bool passthrough = false;
  /// What it carries of its caller's LINECALLPARAMS (call_params.hpp), for LINECALLINFO.
  CarriedParams carried;
  /// Media, digits, user-user information, call data (media.hpp): what the server reported in
  /// call_info, and the TSPI requests in progress whose end TAPI is to hear of.
  struct Media {
    DWORD media_mode = 0;          ///< LINEMEDIAMODE_* (call_info MEDIAMODE); 0: not reported
    DWORD bearer_mode = 0;         ///< LINEBEARERMODE_* (BEARERMODE); 0: not reported
    DWORD rate = 0;                ///< bps (RATE)
    bool has_dial_params = false;  ///< DIALPARAMS reported
    LINEDIALPARAMS dial_params{};
    DWORD treatment = 0;           ///< LINECALLTREATMENT_* (TREATMENT)
    bool has_uui = false;          ///< USERUSERINFO reported: `uui` replaces what the call carried
    std::string uui;
    std::string call_data;         ///< bytes (CALLDATA)
    std::string qos_sending, qos_receiving;  ///< FLOWSPEC bytes (QOS)
    DWORD monitor_digit_modes = 0, monitor_media_modes = 0;  ///< MONITORMODES
    // This process's own requests (their messages go to TAPI only while they are wanted).
    DWORD digits_monitored = 0;    ///< LINEDIGITMODE_* TSPI_lineMonitorDigits asked for
    DWORD media_monitored = 0;     ///< LINEMEDIAMODE_* TSPI_lineMonitorMedia asked for
    bool tones_monitored = false;  ///< a tone list is monitored ...
    DWORD tone_list_id = 0;        ///< ... TSPI_lineMonitorTones' dwToneListID
    struct Generation {
      DWORD id;   ///< dwEndToEndID
      bool tone;  ///< TSPI_lineGenerateTone (else digits)
    };
    std::deque<Generation> generations;  ///< in the order asked; each ends with one `generate`
    struct Gathering {
      DWORD id;                 ///< dwEndToEndID
      LPWSTR buffer = nullptr;  ///< TAPI's; null once TAPI cancelled it (no LINE_GATHERDIGITS then)
      DWORD size = 0;           ///< WCHARs
    };
    std::deque<Gathering> gatherings;  ///< in the order asked; each ends with one `gather_digits`
  } media;
};

class Provider;

/// modem_config's `set` from a Unimodem DEVCFG the provider took (set_dev_config checked it):
/// the DCB's rate and the MODEMSETTINGS the simulated modem has (provider_structs.cpp).
json modem_settings_of(const std::vector<BYTE>& devcfg);

/// The switch's capabilities as the hello reply states them (its optional `pbx` object).
SwitchCaps switch_caps(const json& hello_reply);

/// Fill a VARSTRING with UTF-16 text (STRINGFORMAT_UNICODE, terminated) or bytes
/// (STRINGFORMAT_BINARY), honouring dwTotalSize: when it does not fit, only dwNeededSize says how
/// much would (dwUsedSize covers the fixed part). The caller checked dwTotalSize >= sizeof(VARSTRING).
void fill_varstring(LPVARSTRING v, const std::wstring& text);
void fill_varstring(LPVARSTRING v, const void* data, DWORD size);

/// An exclusive hold of an SRWLOCK for a scope.
class Guard {
 public:
  explicit Guard(SRWLOCK& l) : l_(l) { AcquireSRWLockExclusive(&l_); }
  ~Guard() { ReleaseSRWLockExclusive(&l_); }
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;

 private:
  SRWLOCK& l_;
};

/// A request sent to the server, until its reply (or the connection's end).
struct Pending {
  /// Acd: a query of the TSP's own about agents and queues (provider_agents.cpp), whose reply
  /// only updates what the TSP keeps of them (on_ok).
  enum class Kind { Tapi, Hello, ListLines, Open, Refresh, Info, Ping, Cleanup, ModemConfig, Sync, Acd };
  Kind kind = Kind::Tapi;
  std::string op;
  DRV_REQUESTID tapi_id = 0;
  std::size_t line = kNoLine;
  std::uint64_t line_generation = 0;
  std::uint64_t call = 0;            ///< the call acted on
  struct Creates {
    std::uint64_t call;
    const char* key;                 ///< where the reply names it: field::kCall or field::kConsult;
                                     ///< nullptr: a call of the TSP's own (passthrough), no server handle
  };
  std::vector<Creates> creates;
  LPDWORD completion_out = nullptr;   ///< lineCompleteCall's completion id
  LPVARSTRING address_out = nullptr;  ///< linePark's non-directed orbit
  std::function<void(Provider&, const json&)> on_ok;  ///< more effects of success (under lock_)
  std::function<void(Provider&, const json&)> on_refused;  ///< a clean-up's answer to a refusal (under lock_)
  /// After success, once the completion is queued (under lock_): the events TAPI hears after it.
  std::function<void(Provider&)> after_completion;
  /// Kind::Sync: the TSPI function waiting for the reply (a synchronous TSPI function).
  struct SyncWait {
    bool done = false;
    LONG result = 0;
    bool abandoned = false;  ///< the function returned without the reply (see sync_request)
    bool refused = false;    ///< the refusal was handled (once)
  };
  std::shared_ptr<SyncWait> sync;
  ULONGLONG deadline = 0;
  bool aborted = false;  ///< completed already (its call or line was closed); the reply only cleans up
};

/// A call into TAPI, made by the I/O thread in order. Handles are resolved when it is made, so
/// a call or line closed meanwhile gets nothing.
struct Callback {
  enum class Kind { LineEvent, NewCall, Completion, LineCreate };
  Kind kind = Kind::LineEvent;
  std::size_t line = kNoLine;
  std::uint64_t call = 0;
  DWORD msg = 0;
  DWORD_PTR p1 = 0, p2 = 0, p3 = 0;
  std::uint64_t p2_call = 0;  ///< p2 is this call's TAPI handle (the conference of CONFERENCED)
  DRV_REQUESTID request = 0;
  LONG result = 0;
  std::vector<std::uint64_t> valid_after;  ///< calls that become valid once this completion returned
  std::vector<std::uint64_t> created;      ///< every call the completed request created
};

class Provider {
 public:
  static Provider& get();
  static void set_module(HINSTANCE module) { module_ = module; }
  static HINSTANCE module() { return module_; }

  // Provider lifetime
  LONG negotiate_tspi_version(DWORD device_id, DWORD low, DWORD high, LPDWORD version);
  LONG enum_devices(DWORD provider_id, LPDWORD num_lines, LPDWORD num_phones, HPROVIDER provider,
                    LINEEVENT line_create);
  LONG init(DWORD version, DWORD provider_id, DWORD line_base, DWORD_PTR num_lines,
            ASYNC_COMPLETION completion, LPDWORD options);
  LONG shutdown(DWORD version, DWORD provider_id);
  LONG create_line_device(DWORD_PTR temp_id, DWORD device_id);

  // Capabilities and status (synchronous, answered from what the TSP knows)
  LONG get_dev_caps(DWORD device_id, DWORD version, DWORD ext_version, LPLINEDEVCAPS caps);
  LONG get_address_caps(DWORD device_id, DWORD address_id, DWORD version, DWORD ext_version,
                        LPLINEADDRESSCAPS caps);
  LONG get_line_dev_status(HDRVLINE line, LPLINEDEVSTATUS status);
  LONG get_address_status(HDRVLINE line, DWORD address_id, LPLINEADDRESSSTATUS status);
  LONG get_num_address_ids(HDRVLINE line, LPDWORD count);
  LONG get_address_id(HDRVLINE line, LPDWORD address_id, DWORD address_mode, LPCWSTR address, DWORD size);
  LONG get_call_address_id(HDRVCALL call, LPDWORD address_id);
  LONG get_call_info(HDRVCALL call, LPLINECALLINFO info);
  LONG get_call_status(HDRVCALL call, LPLINECALLSTATUS status);
  LONG get_call_ids(HDRVCALL call, LPDWORD address_id, LPDWORD call_id, LPDWORD related_id);
  LONG get_dev_config(DWORD device_id, LPVARSTRING config, LPCWSTR device_class);
  LONG set_dev_config(DWORD device_id, const void* config, DWORD size, LPCWSTR device_class);
  LONG get_id(HDRVLINE line, DWORD address_id, HDRVCALL call, DWORD select, LPVARSTRING id,
              LPCWSTR device_class);

  // Lines and calls (synchronous)
  LONG open(DWORD device_id, HTAPILINE ht, LPHDRVLINE hd, DWORD version, LINEEVENT event_proc);
  LONG close(HDRVLINE line);
  LONG close_call(HDRVCALL call);
  LONG set_default_media_detection(HDRVLINE line, DWORD media_modes);
  LONG conditional_media_detection(HDRVLINE line, DWORD media_modes, const LINECALLPARAMS* params);
  LONG set_app_specific(HDRVCALL call, DWORD value);

  // Asynchronous operations: dwRequestID, or a LINEERR_* at once
  LONG make_call(DRV_REQUESTID req, HDRVLINE line, HTAPICALL ht, LPHDRVCALL hd, LPCWSTR dest,
                 const LINECALLPARAMS* params);
  LONG dial(DRV_REQUESTID req, HDRVCALL call, LPCWSTR dest);
  LONG simple(DRV_REQUESTID req, HDRVCALL call, Op op);  // accept, answer, drop, hold, ... (`call` only)
  LONG swap_hold(DRV_REQUESTID req, HDRVCALL active, HDRVCALL held);
  LONG setup_transfer(DRV_REQUESTID req, HDRVCALL call, HTAPICALL ht_consult, LPHDRVCALL hd_consult,
                      const LINECALLPARAMS* params);
  LONG complete_transfer(DRV_REQUESTID req, HDRVCALL call, HDRVCALL consult, HTAPICALL ht_conf,
                         LPHDRVCALL hd_conf, DWORD mode);
  LONG to_address(DRV_REQUESTID req, HDRVCALL call, Op op, LPCWSTR dest);  // blind transfer, redirect
  LONG setup_conference(DRV_REQUESTID req, HDRVCALL call, HTAPICALL ht_conf, LPHDRVCALL hd_conf,
                        HTAPICALL ht_consult, LPHDRVCALL hd_consult, const LINECALLPARAMS* params);
  LONG prepare_add_to_conference(DRV_REQUESTID req, HDRVCALL conf, HTAPICALL ht_consult, LPHDRVCALL hd_consult,
                                 const LINECALLPARAMS* params);
  LONG add_to_conference(DRV_REQUESTID req, HDRVCALL conf, HDRVCALL consult);
  LONG park(DRV_REQUESTID req, HDRVCALL call, DWORD mode, LPCWSTR orbit, LPVARSTRING non_dir_address);
  LONG unpark(DRV_REQUESTID req, HDRVLINE line, DWORD address_id, HTAPICALL ht, LPHDRVCALL hd, LPCWSTR orbit);
  LONG pickup(DRV_REQUESTID req, HDRVLINE line, DWORD address_id, HTAPICALL ht, LPHDRVCALL hd, LPCWSTR dest,
              LPCWSTR group);
  LONG forward(DRV_REQUESTID req, HDRVLINE line, DWORD all_addresses, DWORD address_id,
               const LINEFORWARDLIST* list, DWORD rings, LPHDRVCALL hd_consult, const LINECALLPARAMS* params);
  LONG complete_call(DRV_REQUESTID req, HDRVCALL call, LPDWORD completion_id, DWORD mode);
  LONG uncomplete_call(DRV_REQUESTID req, HDRVLINE line, DWORD completion_id);

  // Media, digits, tones (synchronous: the reply's result), user-user information, call data and
  // parameters (asynchronous), provider_media.cpp
  LONG generate_digits(HDRVCALL call, DWORD end_to_end, DWORD mode, LPCWSTR digits, DWORD duration);
  LONG generate_tone(HDRVCALL call, DWORD end_to_end, DWORD mode, DWORD duration, DWORD num_tones,
                     const LINEGENERATETONE* tones);
  LONG monitor_digits(HDRVCALL call, DWORD modes);
  LONG gather_digits(HDRVCALL call, DWORD end_to_end, DWORD modes, LPWSTR digits, DWORD num_digits,
                     LPCWSTR terminators, DWORD first_timeout, DWORD inter_timeout);
  LONG monitor_tones(HDRVCALL call, DWORD tone_list_id, const LINEMONITORTONE* tones, DWORD num_entries);
  LONG monitor_media(HDRVCALL call, DWORD modes);
  LONG set_media_mode(HDRVCALL call, DWORD mode);
  LONG set_media_control(HDRVLINE line, DWORD address_id, HDRVCALL call, DWORD select,
                         const LINEMEDIACONTROLDIGIT* digits, DWORD num_digits, const LINEMEDIACONTROLMEDIA* media,
                         DWORD num_media, const LINEMEDIACONTROLTONE* tones, DWORD num_tones,
                         const LINEMEDIACONTROLCALLSTATE* states, DWORD num_states);
  LONG send_user_user_info(DRV_REQUESTID req, HDRVCALL call, LPCSTR info, DWORD size);
  LONG release_user_user_info(DRV_REQUESTID req, HDRVCALL call);
  LONG set_call_data(DRV_REQUESTID req, HDRVCALL call, const void* data, DWORD size);
  LONG set_call_treatment(DRV_REQUESTID req, HDRVCALL call, DWORD treatment);
  LONG set_call_quality_of_service(DRV_REQUESTID req, HDRVCALL call, const void* sending, DWORD sending_size,
                                   const void* receiving, DWORD receiving_size);
  LONG set_call_params(DRV_REQUESTID req, HDRVCALL call, DWORD bearer_mode, DWORD min_rate, DWORD max_rate,
                       const LINEDIALPARAMS* dial_params);

  // telsim's tapi32.dll extensions (telsim_ext.h): lines shared between processes
  LONG share_lines(DWORD version, LPCWSTR application);
  LONG get_call_privilege(HDRVCALL call, LPDWORD privilege, LPDWORD handoff_media);
  LONG handoff(DRV_REQUESTID req, HDRVCALL call, LPCWSTR file_name, DWORD media_mode);
  LONG set_call_privilege(DRV_REQUESTID req, HDRVCALL call, DWORD privilege);
  /// The agent handler's requests (provider_agents.cpp): LINEPROXYREQUEST_* for the line's agent
  /// and the switch's queues, its structure filled from the server's reply before it completes.
  LONG proxy_request(DRV_REQUESTID req, HDRVLINE line, LPLINEPROXYREQUEST request);

 private:
  Provider();
  struct NewCallOut {
    HTAPICALL ht;
    LPHDRVCALL out;
    const char* key;
    bool conference;
  };
  /// A request being built by a TSPI function (under lock_).
  struct Request {
    Op op = Op::MakeCall;
    const char* session_op = nullptr;  ///< a session op instead of `op` (set_privilege)
    json params = json::object();
    std::size_t line = kNoLine;
    std::uint64_t call = 0;
    std::vector<NewCallOut> creates;
    LPDWORD completion_out = nullptr;
    LPVARSTRING address_out = nullptr;
    std::function<void(Provider&, const json&)> on_ok;
    std::function<void(Provider&)> after_completion;
  };

  /// LINEERR_OPERATIONUNAVAIL when the switch does not offer `op` (hello's `operations`), or it
  /// is a park or unpark and the switch has no orbits: the TSPI function for it fails at once,
  /// without asking the server. Takes lock_.
  LONG unoffered(Op op);
  /// The same for a media operation (hello's `pbx.media`). Takes lock_.
  LONG unoffered(media::Op op);

  // --- media (provider_media.cpp), under lock_ ------------------------------------------------
  /// A call a media operation may act on (usable_call: the switch judges its state).
  LONG media_call(HDRVCALL hd, Call*& call);
  /// Send `frame` as `op` and wait for its reply, whose result is returned: a synchronous TSPI
  /// function. It never waits on the I/O thread (a call from inside a callback), nor while the
  /// I/O thread is held up in a call into TAPI for longer than a moment (TAPI may be waiting for
  /// the caller's own lock): then it returns 0 and the reply is handled when it comes (a refusal
  /// is logged, and ends what TAPI awaits with a CANCEL). `refused` undoes what the request
  /// started, once: `late` when the function had returned 0 already (TAPI must hear of it then).
  LONG sync_request(media::Op op, json frame, Pending p,
                    std::function<void(Provider&, bool late)> refused = {});
  /// A media event (generate, monitor_digits, gather_digits, monitor_tone, monitor_media,
  /// media_control); false when `ev` is none of them.
  bool process_media_event(const std::string& ev, const json& f);
  /// call_info's media values (only those present), into the call; the LINECALLINFOSTATE bits
  /// of what changed.
  DWORD apply_media_values(Call& c, const json& f);

  // --- agents and queues (provider_agents.cpp), under lock_ ----------------------------------
  /// An agent_status or queue_status event; false when `ev` is neither.
  bool process_agent_event(const std::string& ev, const json& f);
  /// What a reply says of the line's agent and of queues (ids, names), kept.
  void learn_agent(Line& line, const json& f);
  void learn_queues(const json& list);
  /// hello said the switch has an ACD: read its queues (names by id, for lineSetAgentGroup).
  void send_queue_list();
  /// Ask what the line's agent is (agent_caps): its id and features, kept (no agent: none kept).
  void send_agent_caps(Line& line);

  // --- under lock_ -------------------------------------------------------------------------
  Line* line_by_device(DWORD device_id);
  Line* open_line(HDRVLINE hd);
  Line* line_by_number(const std::string& number);
  Call* call_by_handle(HDRVCALL hd);
  Call* call_by_server(const std::string& name);
  /// The call TAPI may act on: known to TAPI, with a server handle, its line in service.
  LONG usable_call(HDRVCALL hd, Call*& call, LONG bad_handle = static_cast<LONG>(LINEERR_INVALCALLHANDLE));
  LONG usable_line(HDRVLINE hd, Line*& line);
  bool in_service(const Line& line) const;
  LONG submit(DRV_REQUESTID req, Request r);
  long long send_locked(json frame, Pending p);
  void post(Callback cb);
  /// Completions waiting in outq_ that `match`es, taken out (in order) to be made now.
  template <typename Match>
  std::vector<Callback> take_completions(Match match);
  /// TAPI requests still out that `match` are given up: each gets a completion with `error` in
  /// `out` (naming its line, call and the calls it was to create), and its reply, if one comes,
  /// is only cleaned up after.
  void abandon_requests(const std::function<bool(const Pending&)>& match, LONG error, std::vector<Callback>& out);
  /// A request of the TSP's own to tidy the server up (its reply is only logged if refused).
  void send_cleanup(Op op, const std::string& call);
  /// Drop (unless already IDLE) and deallocate a call on the server.
  void release_on_server(const std::string& call, bool idle = false);
  void reconcile_service();
  /// `open` (or `monitor`) the line at the server; `again`: it is open there already, only its
  /// privilege changes (shared lines).
  void send_open(Line& line, bool again = false);
  /// Tell the server the application's name (shared lines).
  void send_register_app();
  /// Ask the server what the line's modem has (`set`: configure it first, from a DEVCFG).
  void send_modem_config(Line& line, const json& set = nullptr);
  /// A LINEBEARERMODE_PASSTHROUGH lineMakeCall on a modem's line, and its lineDrop.
  LONG make_passthrough_call(DRV_REQUESTID req, Line& line, HTAPICALL ht, LPHDRVCALL out, const json& call_params);
  LONG drop_passthrough_call(DRV_REQUESTID req, Call& call);
  DWORD line_features(const Line& line) const;
  DWORD address_features(const Line& line) const;
  DWORD call_counts(const Line& line, DWORD& active, DWORD& held, DWORD& pending) const;
  std::string line_name(const Line& line) const;
  std::string connection_name();

  // --- the I/O thread (provider_io.cpp) ----------------------------------------------------
  static DWORD WINAPI io_main(void* self);
  void io_loop();
  bool io_connect();
  void io_adopt(SOCKET s);
  void io_read();
  void io_flush();
  void io_lost(const std::string& why, DWORD retry_ms);
  void io_check_deadlines();
  void pump();
  void process(const json& frame);
  void process_reply(const json& frame, Pending p);
  void process_event(const json& frame);
  /// A TAPI request that creates calls is out (under lock_).
  bool creating_pending() const;
  void apply_refresh(const json& frame, const Pending& p);
  void apply_info(const json& frame, const Pending& p);
  void deliver(Callback cb);
  void apply_forwarding(Line& line, const json& list);
  DWORD io_wait_ms();

  static HINSTANCE module_;

  mutable SRWLOCK lock_ = SRWLOCK_INIT;
  CRITICAL_SECTION callback_lock_;
  CONDITION_VARIABLE sync_cv_ = CONDITION_VARIABLE_INIT;  ///< a Sync reply came (with lock_)

  // All below under lock_.
  Settings settings_;
  SwitchCaps caps_;
  bool share_ = false;        ///< TELSIM_providerShareLines: lines shared with other processes
  std::string application_;   ///< the executable's file name, for other processes' handoffs
  std::map<DWORD, std::string> queue_names_;  ///< the ACD's queues by id, as the server last named them
  bool enumerated_ = false;
  bool initialized_ = false;
  DWORD provider_id_ = 0;
  DWORD line_base_ = 0;
  HPROVIDER hprovider_ = nullptr;
  LINEEVENT line_create_ = nullptr;
  ASYNC_COMPLETION completion_ = nullptr;
  std::vector<std::unique_ptr<Line>> lines_;
  DWORD_PTR next_temp_id_ = 1;
  std::map<std::uint64_t, std::unique_ptr<Call>> calls_;
  std::unordered_map<std::string, std::uint64_t> by_server_;
  std::uint64_t next_call_ = 1;
  std::map<long long, Pending> pending_;
  long long next_wire_id_ = 1;
  std::uint64_t next_open_generation_ = 1;
  std::string outbuf_;
  bool connected_ = false;
  std::uint64_t connections_ = 0;
  std::deque<Callback> outq_;
  std::string lost_reason_;  ///< set while processing: the connection must end after this batch
  DWORD lost_retry_ms_ = 0;
  /// Call events kept while a request that creates calls is out (a slow switch reports a new
  /// call before the reply that names it): those of a server handle not known yet or naming a
  /// conference call not known yet, and the later ones of the same call, in the order they came.
  /// After each reply the I/O thread puts those it can apply now at the front of its inbox; when
  /// no creating request is left, the rest of the known calls' too, and the unknown calls' are
  /// dropped (as before).
  struct Early {
    json frame;
    std::string call;  ///< its `call`
  };
  std::deque<Early> early_;

  // The I/O thread's own (no lock).
  HANDLE thread_ = nullptr;
  DWORD io_thread_id_ = 0;
  ULONGLONG in_tapi_since_ = 0;  ///< under lock_: when the I/O thread entered TAPI (0: it is not in it)
  HANDLE stop_ = nullptr;
  HANDLE wake_ = nullptr;
  SOCKET sock_ = INVALID_SOCKET;
  WSAEVENT sock_event_ = WSA_INVALID_EVENT;
  LineSplitter splitter_;
  std::string sending_;
  std::deque<json> inbox_;
  unsigned barrier_ = 0;
  ULONGLONG stall_until_ = 0;
  ULONGLONG next_connect_at_ = 0;
  DWORD backoff_ms_ = 250;
  ULONGLONG last_rx_ = 0;
  bool ping_outstanding_ = false;
};

}  // namespace telsim::tsp
