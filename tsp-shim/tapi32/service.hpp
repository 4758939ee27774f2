#pragma once
// tapi32.dll for Wine: an in-process stand-in for the Windows telephony service (tapisrv) and its
// client DLL. It loads the service providers the registry lists (Telephony\Providers; telsim.tsp
// when the key is missing), speaks TSPI to them, and gives applications TAPI's line API with
// TAPI's rules: per-application handles and privileges, call ownership by media mode, monitors,
// LINE_REPLY only after the function returned, the three notification mechanisms (hidden window,
// event handle + lineGetMessage, completion port), structures trimmed to the negotiated version
// and converted for ANSI callers.
//
// Threads and locks. One process-wide lock (a CRITICAL_SECTION, recursive) guards everything
// below. It is never held while an application's callback runs: messages are queued under it and
// delivered by the application's own thread (hidden window), taken by lineGetMessage, or posted to
// its completion port. It is held across TSPI calls that only read or queue in the provider
// (queries and asynchronous requests), and released around those that wait for the provider's
// own event thread (TSPI_lineClose, TSPI_lineCloseCall, TSPI_providerInit/Shutdown/EnumDevices),
// which may be inside our LINEEVENT waiting for the lock. TSPI calls that would have to wait are
// made by a worker thread of ours when they arise inside a provider's callback.
#include <windows.h>
#include <tapi.h>
#include <tspi.h>

#include "telsim_ext.h"

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace telsim::tapi32 {

constexpr LONG err(DWORD e) { return static_cast<LONG>(e); }

/// The API versions this TAPI speaks (TAPI 1.3 to 3.0; 3.1 asks get 3.0).
inline constexpr DWORD kApiVersions[] = {0x00010003, 0x00010004, 0x00020000, 0x00020001, 0x00020002, 0x00030000};
inline constexpr DWORD kLowestApi = 0x00010003;
inline constexpr DWORD kHighestApi = 0x00030000;
/// The TSPI versions it offers providers.
inline constexpr DWORD kLowestTspi = 0x00020000;
inline constexpr DWORD kHighestTspi = 0x00030000;

/// Every TSPI function this TAPI may call; a provider need not export them all.
#define TELSIM_TSPI_FUNCTIONS(X)                                                                        \
  X(TSPI_providerEnumDevices) X(TSPI_providerInit) X(TSPI_providerShutdown) X(TSPI_providerCreateLineDevice) \
  X(TSPI_providerUIIdentify) X(TSPI_lineNegotiateTSPIVersion) X(TSPI_lineNegotiateExtVersion)           \
  X(TSPI_lineGetDevCaps) X(TSPI_lineGetAddressCaps) X(TSPI_lineGetAddressStatus)                        \
  X(TSPI_lineGetLineDevStatus) X(TSPI_lineGetNumAddressIDs) X(TSPI_lineGetAddressID)                    \
  X(TSPI_lineGetCallAddressID) X(TSPI_lineGetCallInfo) X(TSPI_lineGetCallStatus) X(TSPI_lineGetCallIDs) \
  X(TSPI_lineGetID) X(TSPI_lineGetIcon) X(TSPI_lineOpen) X(TSPI_lineClose) X(TSPI_lineCloseCall)          \
  X(TSPI_lineSetDefaultMediaDetection) X(TSPI_lineConditionalMediaDetection) X(TSPI_lineSetStatusMessages) \
  X(TSPI_lineSetAppSpecific) X(TSPI_lineMakeCall) X(TSPI_lineDial) X(TSPI_lineAnswer) X(TSPI_lineAccept) \
  X(TSPI_lineDrop) X(TSPI_lineHold) X(TSPI_lineUnhold) X(TSPI_lineSwapHold) X(TSPI_lineSetupTransfer)    \
  X(TSPI_lineCompleteTransfer) X(TSPI_lineBlindTransfer) X(TSPI_lineSetupConference)                    \
  X(TSPI_linePrepareAddToConference) X(TSPI_lineAddToConference) X(TSPI_lineRemoveFromConference)       \
  X(TSPI_linePark) X(TSPI_lineUnpark) X(TSPI_linePickup) X(TSPI_lineRedirect) X(TSPI_lineForward)       \
  X(TSPI_lineCompleteCall) X(TSPI_lineUncompleteCall) X(TSPI_lineSecureCall) X(TSPI_lineSetMediaMode)   \
  X(TSPI_lineGetDevConfig) X(TSPI_lineSetDevConfig) X(TSPI_lineSetCurrentLocation)                     \
  X(TSPI_lineDevSpecific) X(TSPI_lineDevSpecificFeature) X(TSPI_lineGenerateDigits)                     \
  X(TSPI_lineGenerateTone) X(TSPI_lineGatherDigits) X(TSPI_lineMonitorDigits) X(TSPI_lineMonitorMedia)  \
  X(TSPI_lineMonitorTones) X(TSPI_lineSetCallParams) X(TSPI_lineSetMediaControl) X(TSPI_lineSetTerminal) \
  X(TSPI_lineSendUserUserInfo) X(TSPI_lineReleaseUserUserInfo) X(TSPI_lineSetCallData)                  \
  X(TSPI_lineSetCallQualityOfService) X(TSPI_lineSetCallTreatment) X(TSPI_lineSetLineDevStatus)         \
  X(TSPI_lineDropOnClose) X(TSPI_lineDropNoOwner)

/// One service provider DLL, loaded.
struct Provider {
  DWORD permanent_id = 0;
  std::wstring file;
  HMODULE module = nullptr;
#define TELSIM_TSPI_MEMBER(name) decltype(&::name) name = nullptr;
  TELSIM_TSPI_FUNCTIONS(TELSIM_TSPI_MEMBER)
#undef TELSIM_TSPI_MEMBER
  DWORD tspi_version = 0;
  DWORD line_base = 0;
  DWORD num_lines = 0;
  bool initialized = false;
  bool nonreentrant = false;
  // telsim.tsp's extensions (telsim_ext.h): each process has its own provider instance, so the
  // server shares lines between processes and these carry what the TSPI cannot.
  TELSIM_PROVIDERSHARELINES TELSIM_providerShareLines = nullptr;
  TELSIM_LINEGETCALLPRIVILEGE TELSIM_lineGetCallPrivilege = nullptr;
  TELSIM_LINEHANDOFF TELSIM_lineHandoff = nullptr;
  TELSIM_LINESETCALLPRIVILEGE TELSIM_lineSetCallPrivilege = nullptr;
  /// The agent handler of its lines (agents.cpp): TAPI's agent functions as proxy requests.
  TELSIM_LINEPROXYREQUEST TELSIM_lineProxyRequest = nullptr;
  bool shared = false;  ///< it shares lines with other processes: privileges are the server's too
};

struct LineOpen;
struct TapiCall;

/// A line device: one line of one provider, by its device ID.
struct Device {
  DWORD id = 0;
  Provider* provider = nullptr;
  DWORD tspi_version = 0;
  HDRVLINE hd = nullptr;        ///< while open at the provider
  bool open = false;
  DWORD detect_modes = 0;       ///< what TSPI_lineSetDefaultMediaDetection was last told
  DWORD num_addresses = 1;
  std::vector<DWORD> opens;     ///< HLINEs, in the order they were opened
  HTAPILINE ht() const { return reinterpret_cast<HTAPILINE>(static_cast<std::uintptr_t>(id) + 1); }
};

/// One queued message for an application.
struct Message {
  DWORD device = 0;  ///< hDevice
  DWORD msg = 0;
  DWORD_PTR instance = 0, p1 = 0, p2 = 0, p3 = 0;
  DWORD held_by = 0; ///< a request whose function has not returned yet (LINE_REPLY and what follows it)
};

enum class Notify { HiddenWindow, Event, CompletionPort };

/// An application's registration: an HLINEAPP (or HPHONEAPP).
struct App {
  DWORD handle = 0;
  bool phone = false;          ///< phoneInitialize(Ex)
  Notify notify = Notify::HiddenWindow;
  LINECALLBACK callback = nullptr;
  HWND window = nullptr;
  DWORD window_thread = 0;
  HANDLE event = nullptr;
  HANDLE port = nullptr;
  DWORD completion_key = 0;
  bool unicode = false;        ///< initialised through a W function
  DWORD api_version = kLowestApi;  ///< the version it gave lineInitializeEx (1.3 for lineInitialize)
  std::wstring name;           ///< friendly name (or the module's name)
  std::wstring module;         ///< the executable's file name, no directory
  std::deque<Message> queue;
  std::size_t posted = 0;      ///< hidden window: deliveries posted and not yet run
  std::size_t released = 0;    ///< messages at the front that may be delivered now
  bool closing = false;
  DWORD request_modes = 0;     ///< lineRegisterRequestRecipient (LINEREQUESTMODE_MAKECALL)
  DWORD_PTR request_instance = 0;
};

/// An open line: an HLINE.
struct LineOpen {
  DWORD handle = 0;
  DWORD app = 0;
  DWORD device = 0;
  DWORD api_version = 0;
  DWORD ext_version = 0;
  DWORD_PTR instance = 0;
  DWORD privileges = 0;
  DWORD media_modes = 0;
  DWORD line_states = 0;       ///< lineSetStatusMessages
  DWORD address_states = 0;
  bool single_address = false;
  DWORD address_id = 0;
  std::map<DWORD, DWORD> rings;  ///< lineSetNumRings, by address
};

/// A call as the provider knows it (HTAPICALL / HDRVCALL).
struct TapiCall {
  DWORD id = 0;
  DWORD device = 0;
  HDRVCALL hd = nullptr;
  bool valid = false;          ///< its creating request completed with success (or LINE_NEWCALL)
  bool closed = false;         ///< TSPI_lineCloseCall made (or on its way)
  bool announced = false;      ///< handles given to the applications (first LINE_CALLSTATE)
  DWORD state = 0, mode = 0;
  DWORD media_mode = LINEMEDIAMODE_INTERACTIVEVOICE;
  DWORD address_id = 0;
  std::vector<DWORD> handles;  ///< HCALLs
  bool is_conference = false;  ///< a conference call (created as one)
  DWORD conference = 0;        ///< the conference call this one is CONFERENCED in
  // What TAPI keeps for LINECALLINFO.
  std::wstring app_name, displayable_address, called_party, comment;
  HTAPICALL ht() const { return reinterpret_cast<HTAPICALL>(static_cast<std::uintptr_t>(id)); }
};

/// An application's handle to a call: an HCALL.
struct CallHandle {
  DWORD handle = 0;
  DWORD call = 0;              ///< TapiCall id
  DWORD line = 0;              ///< HLINE
  DWORD privilege = 0;
  bool active = false;         ///< its creating request completed (or it came with a message)
  bool first_state_sent = false;
  bool by_message = false;     ///< given by LINE_APPNEWCALL/LINE_CALLSTATE, not by a function
};

/// An asynchronous request: its LINE_REPLY goes to `app` (0: the service's own).
struct Request {
  DWORD id = 0;
  DWORD app = 0;
  DWORD_PTR instance = 0;
  bool returned = false;
  bool completed = false;
  LONG result = 0;
  struct Out {
    DWORD handle;              ///< HCALL created for the caller
    LPHCALL where;             ///< where the caller wants it
  };
  std::vector<Out> outs;
  std::vector<DWORD> created;  ///< TapiCalls the request creates
  std::function<void(LONG)> on_complete;  ///< more effects (under the lock)
};

/// The process's TAPI.
class Service {
 public:
  static Service& get();

  // --- the lock --------------------------------------------------------------------------
  void lock() { EnterCriticalSection(&cs_); }
  void unlock() { LeaveCriticalSection(&cs_); }
  CRITICAL_SECTION& cs() { return cs_; }
  CONDITION_VARIABLE& changed() { return changed_; }

  // --- handles (under the lock) ----------------------------------------------------------
  DWORD new_handle();
  App* app(DWORD h);
  App* line_app(DWORD h) { App* a = app(h); return a && !a->phone ? a : nullptr; }
  LineOpen* line(DWORD h);
  CallHandle* call_handle(DWORD h);
  TapiCall* call(DWORD id);
  Device* device(DWORD id);
  DWORD num_devices() const { return static_cast<DWORD>(devices_.size()); }
  std::map<DWORD, std::unique_ptr<App>>& apps() { return apps_; }
  std::map<DWORD, std::unique_ptr<LineOpen>>& lines() { return lines_; }
  std::map<DWORD, std::unique_ptr<CallHandle>>& call_handles() { return call_handles_; }
  std::map<DWORD, std::unique_ptr<TapiCall>>& calls() { return calls_; }
  std::vector<std::unique_ptr<Provider>>& providers() { return providers_; }
  /// lineGatherDigitsA: the provider gathers UTF-16 into `wide`; LINE_GATHERDIGITS of
  /// `end_to_end` copies it into the application's ANSI buffer before the application hears it.
  struct AnsiGather {
    LPSTR target = nullptr;
    DWORD size = 0;
    std::unique_ptr<WCHAR[]> wide;
  };
  std::map<DWORD, AnsiGather>& ansi_gathers() { return ansi_gathers_; }

  // --- lifetime --------------------------------------------------------------------------
  /// Load and initialise the providers if no application had; called without the lock.
  LONG start();
  /// Shut the providers down once the last application has gone; called without the lock.
  void stop_if_unused();

  // --- applications ----------------------------------------------------------------------
  /// Queue a message for an application (under the lock); delivered once nothing before it is held.
  void post(App& a, const Message& m);
  /// Deliver what may be delivered (under the lock).
  void release(App& a);
  /// The message the hidden window is to deliver now, if any (under the lock).
  bool take(App& a, Message& out);
  /// Forget an application: its lines closed, its queue dropped (under the lock; returns the
  /// provider calls to make without it).
  void remove_app(App& a, std::vector<std::function<void()>>& after);

  // --- requests --------------------------------------------------------------------------
  /// A new request id (positive), registered.
  Request& new_request(DWORD app, DWORD_PTR instance);
  /// The function that made `id` returns `result` (the id, or an error at once); under the lock.
  LONG finish_call(DWORD id, LONG result);
  Request* request(DWORD id);

  // --- lines and calls (under the lock) --------------------------------------------------
  /// TSPI_lineOpen the device if it is not open yet; media detection for its owners.
  LONG open_device(Device& d);
  void update_detection(Device& d);
  /// Close an HLINE (lineClose, lineShutdown): its call handles go, calls it alone owned are
  /// dropped; the device closes with its last open. Provider calls that must be made without
  /// the lock are added to `after`.
  void close_line(LineOpen& l, std::vector<std::function<void()>>& after, bool tell_others = true);
  /// A new HCALL for `line` to `call`.
  CallHandle& add_handle(TapiCall& call, LineOpen& line, DWORD privilege, bool by_message);
  /// Remove an HCALL; when the call has no handles left and is idle, close it at the provider
  /// (added to `after`).
  void remove_handle(CallHandle& h, std::vector<std::function<void()>>& after);
  /// TSPI_lineCloseCall for the call, once (added to `after`); the call is forgotten.
  void close_call(TapiCall& c, std::vector<std::function<void()>>& after);
  /// Give handles for a call the application did not create to every open that should see it:
  /// the owner chosen by media mode (when the process owns the call: lines shared between
  /// processes), the monitors. `except` (an HLINE) already has one.
  void hand_out(TapiCall& c, DWORD except = 0);
  /// The open that should own `c` among the device's opens with owner privilege for
  /// `media_mode`: the applications in the handoff priority list first (in its order), then the
  /// earliest opener; `except` (an HLINE) is left out. nullptr when none.
  LineOpen* best_owner(TapiCall& c, DWORD media_mode, DWORD except = 0);
  /// `target` becomes an owner of `c`: a new handle (LINE_APPNEWCALL for 2.0 and later) or its
  /// monitor handle promoted; either way LINE_CALLSTATE with dwParam3 OWNER tells it.
  void make_owner(TapiCall& c, LineOpen& target);
  /// Whether an application of this process owns `c` (`except`: an HCALL left out).
  bool process_owns(const TapiCall& c, DWORD except = 0);
  /// Lines shared between processes: this process's privilege on `c` at the server
  /// (LINECALLPRIVILEGE_OWNER or _MONITOR); 0 when its provider does not share lines.
  DWORD process_privilege_of(const TapiCall& c);
  /// A request of TAPI's own to the provider (`send` returns its answer: the id, or an error at
  /// once), waited for: its ASYNC_COMPLETION's result (no LINE_REPLY: no application made it).
  /// The lock is held exactly once by the caller and released while waiting, so the provider's
  /// callbacks run meanwhile; LINEERR_OPERATIONFAILED when no answer comes in time.
  LONG wait_request(const std::function<LONG(Request&)>& send, DWORD timeout_ms = 35'000);
  /// Run provider calls that must be made without the lock, on the service's worker thread.
  void defer(std::vector<std::function<void()>> work);
  /// LINE_LINEDEVSTATE to every open of the device that asked for `state`.
  void line_state(Device& d, DWORD state, DWORD p2 = 0, DWORD p3 = 0, DWORD except = 0);

  // --- provider callbacks ----------------------------------------------------------------
  static void CALLBACK on_line_event(HTAPILINE, HTAPICALL, DWORD, DWORD_PTR, DWORD_PTR, DWORD_PTR);
  static void CALLBACK on_line_create(HTAPILINE, HTAPICALL, DWORD, DWORD_PTR, DWORD_PTR, DWORD_PTR);
  static void CALLBACK on_phone_event(HTAPIPHONE, DWORD, DWORD_PTR, DWORD_PTR, DWORD_PTR);
  static void CALLBACK on_completion(DRV_REQUESTID, LONG);

  static HINSTANCE module() { return module_; }
  static void set_module(HINSTANCE m) { module_ = m; }

 private:
  Service();
  void line_event(HTAPILINE, HTAPICALL, DWORD, DWORD_PTR, DWORD_PTR, DWORD_PTR);
  void completion(DRV_REQUESTID, LONG);
  void complete(Request& r);
  void call_state(TapiCall& c, DWORD state, DWORD mode, DWORD media);
  /// Another process changed this process's privilege on `c` (TELSIM_LINE_CALLPRIVILEGE).
  void process_privilege(TapiCall& c, DWORD privilege, DWORD media_mode);
  void load_providers();
  static DWORD WINAPI worker_main(void*);

  static HINSTANCE module_;
  CRITICAL_SECTION cs_;
  CONDITION_VARIABLE changed_ = CONDITION_VARIABLE_INIT;
  SRWLOCK start_lock_ = SRWLOCK_INIT;  ///< serialises starting and stopping the providers
  DWORD next_handle_ = 0x10000;
  DWORD next_request_ = 1;
  bool started_ = false;
  std::vector<std::unique_ptr<Provider>> providers_;
  std::vector<std::unique_ptr<Device>> devices_;
  std::map<DWORD, std::unique_ptr<App>> apps_;
  std::map<DWORD, std::unique_ptr<LineOpen>> lines_;
  std::map<DWORD, std::unique_ptr<CallHandle>> call_handles_;
  std::map<DWORD, std::unique_ptr<TapiCall>> calls_;
  std::map<DWORD, AnsiGather> ansi_gathers_;  ///< by end-to-end id
  std::map<DWORD, std::unique_ptr<Request>> requests_;
  // the worker
  HANDLE worker_ = nullptr;
  HANDLE work_ready_ = nullptr;
  std::deque<std::function<void()>> work_;
};

/// The lock for a scope.
class Locked {
 public:
  Locked() { Service::get().lock(); }
  ~Locked() { Service::get().unlock(); }
  Locked(const Locked&) = delete;
  Locked& operator=(const Locked&) = delete;
};

/// Run provider calls collected under the lock, after it was released.
void run_after(std::vector<std::function<void()>>& after);

/// A TAPI error name ("LINEERR_INVALAPPHANDLE") for logs.
std::string error_name(LONG e);
void trace(const std::string& what);

}  // namespace telsim::tapi32
