#pragma once
// The test host's stand-in for the telephony service (tapisrv): it loads the TSP, negotiates,
// initialises it with its own LINEEVENT and ASYNC_COMPLETION, opens lines, and records every
// call the TSP makes into it, checking TAPI's rules as they happen:
//   - calls into TAPI never overlap (ASYNC_COMPLETION: "not permitted to call ... again until
//     this procedure returns");
//   - every request completes exactly once, and only requests that returned their id;
//   - no LINEEVENT for a call the TSP created before that request completed with success (the
//     start lifetime rule), LINE_NEWCALL before anything else about a call TAPI did not make,
//     then LINE_CALLSTATE first;
//   - events only for lines that are open and calls TAPI knows, nothing after shutdown.
// Like tapisrv, the callbacks only record and queue (they take no lock a TSPI caller holds);
// the script thread waits on what they recorded.
#include <windows.h>
#include <tapi.h>
#include <tspi.h>

#include <deque>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace telsim::tsp::host {

/// A check that did not hold: the host reports it and exits 1.
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Every function the TSP must export (the list, plus the few TAPI uses besides).
#define TELSIM_TSP_EXPORTS(X)                                                                          \
  X(TSPI_providerEnumDevices) X(TSPI_providerInit) X(TSPI_providerShutdown) X(TSPI_providerUIIdentify)  \
  X(TSPI_providerGenericDialogData) X(TSPI_providerInstall) X(TSPI_providerRemove) X(TSPI_providerConfig) \
  X(TSPI_providerCreateLineDevice) X(TUISPI_providerInstall) X(TUISPI_providerRemove)                   \
  X(TUISPI_providerConfig) X(TUISPI_lineConfigDialog) X(TSPI_lineNegotiateTSPIVersion)                  \
  X(TSPI_lineGetDevCaps) X(TSPI_lineGetAddressCaps) X(TSPI_lineGetAddressStatus)                         \
  X(TSPI_lineGetLineDevStatus) X(TSPI_lineGetNumAddressIDs) X(TSPI_lineGetAddressID)                     \
  X(TSPI_lineGetCallAddressID) X(TSPI_lineGetCallInfo) X(TSPI_lineGetCallStatus) X(TSPI_lineGetCallIDs)  \
  X(TSPI_lineGetID) X(TSPI_lineOpen) X(TSPI_lineClose) X(TSPI_lineCloseCall)                             \
  X(TSPI_lineSetDefaultMediaDetection) X(TSPI_lineConditionalMediaDetection) X(TSPI_lineSetStatusMessages) \
  X(TSPI_lineSetAppSpecific) X(TSPI_lineMakeCall) X(TSPI_lineDial) X(TSPI_lineAnswer) X(TSPI_lineAccept)  \
  X(TSPI_lineDrop) X(TSPI_lineHold) X(TSPI_lineUnhold) X(TSPI_lineSwapHold) X(TSPI_lineSetupTransfer)    \
  X(TSPI_lineCompleteTransfer) X(TSPI_lineBlindTransfer) X(TSPI_lineSetupConference)                     \
  X(TSPI_linePrepareAddToConference) X(TSPI_lineAddToConference) X(TSPI_lineRemoveFromConference)        \
  X(TSPI_linePark) X(TSPI_lineUnpark) X(TSPI_linePickup) X(TSPI_lineRedirect) X(TSPI_lineForward)        \
  X(TSPI_lineCompleteCall) X(TSPI_lineUncompleteCall) X(TSPI_lineSecureCall)                           \
  X(TSPI_lineGenerateDigits) X(TSPI_lineGenerateTone) X(TSPI_lineMonitorDigits) X(TSPI_lineGatherDigits)  \
  X(TSPI_lineMonitorTones) X(TSPI_lineMonitorMedia) X(TSPI_lineSetMediaMode) X(TSPI_lineSetMediaControl)  \
  X(TSPI_lineSendUserUserInfo) X(TSPI_lineReleaseUserUserInfo) X(TSPI_lineSetCallData)                   \
  X(TSPI_lineSetCallTreatment) X(TSPI_lineSetCallQualityOfService) X(TSPI_lineSetCallParams)

/// The TSP DLL, loaded, with every export resolved (a missing one is a Failure).
struct Tsp {
  explicit Tsp(const std::wstring& path);
  ~Tsp();
  Tsp(const Tsp&) = delete;
  Tsp& operator=(const Tsp&) = delete;
  HMODULE module = nullptr;
#define TELSIM_TSP_MEMBER(name) decltype(&::name) name = nullptr;
  TELSIM_TSP_EXPORTS(TELSIM_TSP_MEMBER)
#undef TELSIM_TSP_MEMBER
};

struct TapiLine;

/// TAPI's side of a call: the object behind an HTAPICALL.
struct TapiCall {
  std::string label;
  TapiLine* line = nullptr;
  HDRVCALL hd = nullptr;
  bool by_newcall = false;          ///< announced with LINE_NEWCALL
  bool announced = false;           ///< ... and TAPI took it (wrote its handle)
  int newcall_offers = 0;           ///< LINE_NEWCALLs for it (a refused one is offered again)
  DRV_REQUESTID created_by = 0;     ///< the request that created it (0: LINE_NEWCALL)
  bool creation_completed = false;  ///< that request completed with success
  struct State {
    DWORD state;
    DWORD_PTR mode;                 ///< dwParam2
    DWORD status_state;             ///< what TSPI_lineGetCallStatus said inside the callback
    DWORD status_features;          ///< ... and the call's dwCallFeatures then
    /// dwCallFeatures of the line's other calls, read inside the callback.
    std::vector<std::pair<const TapiCall*, DWORD>> others;
    std::uint64_t seq = 0;          ///< its place among every call into TAPI (FakeTapi's order)
  };
  std::vector<State> states;
  std::vector<DWORD> info_changes;  ///< LINE_CALLINFO dwParam1
  /// LINE_GENERATE, LINE_MONITORDIGITS, LINE_GATHERDIGITS, LINE_MONITORTONE, LINE_MONITORMEDIA.
  struct Message {
    DWORD msg;
    DWORD_PTR p1, p2, p3;
    std::uint64_t seq;
  };
  std::vector<Message> media;
  /// The media messages `msg` so far.
  std::vector<Message> messages(DWORD msg) const {
    std::vector<Message> out;
    for (const auto& m : media)
      if (m.msg == msg) out.push_back(m);
    return out;
  }
  std::uint64_t first_event_seq = 0;
  bool closed = false;
  DWORD last_state() const { return states.empty() ? 0 : states.back().state; }
  HTAPICALL ht() { return reinterpret_cast<HTAPICALL>(this); }
};

/// TAPI's side of a line device.
struct TapiLine {
  DWORD device_id = 0;
  std::string number;
  std::string name;
  HDRVLINE hd = nullptr;
  DWORD version = 0;
  bool open = false;
  std::vector<DWORD> devstates;    ///< LINE_LINEDEVSTATE dwParam1
  std::vector<DWORD_PTR> addrstates;  ///< LINE_ADDRESSSTATE dwParam2
  std::vector<DWORD_PTR> agentstates;  ///< LINE_AGENTSTATUS dwParam2 (LINEAGENTSTATUS_*; dwParam1 is checked 0)
  std::vector<std::pair<DWORD_PTR, DWORD_PTR>> queuestates;  ///< LINE_QUEUESTATUS dwParam1 (queue id), dwParam2
  HTAPILINE ht() { return reinterpret_cast<HTAPILINE>(this); }
};

struct Completion {
  DRV_REQUESTID id;
  LONG result;
  std::uint64_t seq = 0;  ///< its place among every call into TAPI (as TapiCall::State::seq)
  double after_ms = 0;    ///< since the script took the request's id (before the TSPI call)
};

class FakeTapi {
 public:
  static constexpr DWORD kProviderId = 7;
  static constexpr DWORD kLineBase = 100;  // not 0: device ids are the TSP's to offset
  static constexpr DWORD kTimeoutMs = 20'000;
  inline static const HPROVIDER kProvider = reinterpret_cast<HPROVIDER>(static_cast<std::uintptr_t>(0x7E15));

  explicit FakeTapi(Tsp& tsp);
  ~FakeTapi();
  FakeTapi(const FakeTapi&) = delete;
  FakeTapi& operator=(const FakeTapi&) = delete;

  Tsp& tsp() { return tsp_; }
  /// Negotiate, enumerate and initialise; the number of lines the TSP enumerated.
  DWORD start();
  void shutdown();
  /// The device of the line with this address (its LINEADDRESSCAPS), opened.
  TapiLine& open(const std::string& number);
  /// A device TAPI created after LINE_CREATE (TSPI_providerCreateLineDevice): negotiated, known.
  void add_line(DWORD device_id);
  /// Devices known (by device id), their numbers from LINEADDRESSCAPS.
  std::vector<TapiLine*> lines();
  DWORD version() const { return version_; }
  DWORD num_lines() const { return num_lines_; }

  /// A TapiCall for a call this TAPI originates with request `id`.
  TapiCall& outgoing(const std::string& label, TapiLine& line, DRV_REQUESTID id);
  /// A fresh request id, outstanding from now (before the TSPI call: it may complete at once).
  DRV_REQUESTID next_request();
  /// The request failed at once with `error` (and must never complete).
  void expect_sync_error(LONG returned, DRV_REQUESTID id, LONG error, const std::string& what);
  /// The request returned its id; wait for its completion and return the result.
  LONG await_completion(LONG returned, DRV_REQUESTID id, const std::string& what);
  /// ... and it must succeed.
  void expect_ok(LONG returned, DRV_REQUESTID id, const std::string& what);
  /// ... and it must fail with `error`.
  void expect_error(LONG returned, DRV_REQUESTID id, LONG error, const std::string& what);

  /// How many calls LINE_NEWCALL announced on `line` so far.
  std::size_t new_calls(const TapiLine& line);
  /// Wait for the next LINE_NEWCALL on `line` that the script has not taken yet.
  TapiCall& wait_new_call(TapiLine& line, const std::string& label);
  void wait_state(TapiCall& call, DWORD state);
  void wait_devstate(TapiLine& line, DWORD state, std::size_t from = 0);
  void wait_addrstate(TapiLine& line, DWORD_PTR state, std::size_t from);
  void wait_line_creates(std::size_t count);
  std::vector<DWORD_PTR> line_create_ids();
  /// Wait until `pred` holds (checked under the host's lock whenever a callback came).
  void wait(const std::function<bool()>& pred, const std::string& what);

  /// Refuse the next n LINE_NEWCALLs (write NULL: TAPI is "backlogged").
  void refuse_newcalls(int n);
  /// Call TSPI_lineGetCallStatus from inside LINE_CALLSTATE callbacks, for the call and the
  /// line's other calls (the TSP must not hold a lock of its own while it calls TAPI, and what it
  /// says then must already be current), and record what it says.
  void check_status_in_callbacks(bool on) { status_in_callbacks_ = on; }

  /// Rules broken so far (a Failure if any).
  void check_rules();
  std::vector<Completion> completions();
  std::string event_log() const;

  static LINECALLSTATUS call_status(Tsp& tsp, TapiCall& call);

 private:
  static void CALLBACK on_line_event(HTAPILINE, HTAPICALL, DWORD, DWORD_PTR, DWORD_PTR, DWORD_PTR);
  static void CALLBACK on_line_create(HTAPILINE, HTAPICALL, DWORD, DWORD_PTR, DWORD_PTR, DWORD_PTR);
  static void CALLBACK on_completion(DRV_REQUESTID, LONG);
  void line_event(HTAPILINE, HTAPICALL, DWORD, DWORD_PTR, DWORD_PTR, DWORD_PTR);
  void violation(const std::string& what);
  void note(const std::string& what);
  TapiCall* known_call(HTAPICALL ht);
  TapiLine* known_line(HTAPILINE ht);
  void enter_callback();
  void leave_callback();

  static FakeTapi* current_;
  Tsp& tsp_;
  mutable SRWLOCK lock_ = SRWLOCK_INIT;  // the callbacks' queue lock, never held across a TSPI call
  CONDITION_VARIABLE changed_ = CONDITION_VARIABLE_INIT;
  LONG in_callback_ = 0;
  DWORD version_ = 0;
  DWORD num_lines_ = 0;
  bool started_ = false;
  bool stopped_ = false;
  DRV_REQUESTID next_request_ = 1000;
  std::deque<std::unique_ptr<TapiLine>> lines_;
  std::deque<std::unique_ptr<TapiCall>> calls_;
  std::vector<TapiCall*> unclaimed_;  ///< LINE_NEWCALL calls the script has not taken
  std::vector<DRV_REQUESTID> outstanding_;
  std::vector<std::pair<DRV_REQUESTID, LONGLONG>> issued_;  ///< each request's id, and when (QueryPerformanceCounter)
  std::vector<Completion> completions_;
  std::vector<DWORD_PTR> line_creates_;
  std::vector<std::string> violations_;
  std::deque<std::string> log_;
  std::uint64_t seq_ = 0;
  int refuse_newcalls_ = 0;
  bool status_in_callbacks_ = false;
};

/// Messages for failures.
std::string hex(DWORD v);
std::string state_list(const std::vector<TapiCall::State>& s);
std::string error_name(LONG e);

}  // namespace telsim::tsp::host
