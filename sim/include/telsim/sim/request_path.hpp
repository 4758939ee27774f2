#pragma once
/// The one path every operation takes, whoever asks (a scenario step, a live client):
///
///   decode (request.hpp) -> Command -> authorize -> filters -> Pbx::execute -> reply, events
///
/// Authorization is decided here and only here: who controls each line (the client that opened
/// it, else the scenario), who owns each call (a client's privilege, which the server's
/// directory keeps), which controllers exist to hand calls to, and when a call several clients
/// hold is released at the switch.
/// Filters are stages between authorization and the switch where a later feature (fault
/// injection) can refuse, delay or drop a request without touching the Pbx's operations.
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "telsim/models/command.hpp"
#include "telsim/models/pbx.hpp"
#include "telsim/results/run_result.hpp"

namespace telsim {

class RequestPath {
 public:
  /// `controllers`: the scenario's named controllers (its `controllers:`; empty: any name).
  RequestPath(Pbx& pbx, std::vector<std::string> controllers);
  RequestPath(const RequestPath&) = delete;
  RequestPath& operator=(const RequestPath&) = delete;

  // --- who controls what ----------------------------------------------------------------
  /// TAPI's privilege of an application on a call (LINECALLPRIVILEGE_*).
  enum class CallPrivilege { None, Monitor, Owner };
  /// What the path must know of requesters beyond the scenario: the live server's clients, the
  /// lines they have open and their privileges on calls. It answers facts; the rules are the
  /// path's.
  class Directory {
   public:
    virtual ~Directory() = default;
    /// A connected client by that name (a handoff target; a requester that is not the scenario).
    virtual bool is_client(std::string_view name) const = 0;
    /// The client that controls `line` for the scenario's purposes: the one that opened it alone
    /// (a plain `open`), else the first owner among those that share it; "" when none (the
    /// scenario's line).
    virtual std::string line_controller(LineId line) const = 0;
    /// Whether client `name` has `line` open, with any privilege (TAPI lets every opener make
    /// calls on its line).
    virtual bool has_open(std::string_view name, LineId line) const = 0;
    /// The privilege client `name` has on `call` (Monitor: it hears of the call and may look).
    virtual CallPrivilege privilege(std::string_view name, const Call& call) const = 0;
    /// The clients that hold a handle to `call` (its owners, and the monitors that got it
    /// through a shared open), each with its privilege. The call is deallocated at the switch
    /// only when the last of them lets go.
    virtual std::vector<std::pair<std::string, CallPrivilege>> holders(const Call& call) const = 0;
    /// The clients that have `line` open as owners of `media_mode` (one LINEMEDIAMODE bit),
    /// highest priority first.
    virtual std::vector<std::string> media_owners(LineId line, std::uint32_t media_mode) const = 0;
    /// The clients that registered the application `app` (an executable's file name, any case)
    /// and have `line` open as owners.
    virtual std::vector<std::string> app_owners(std::string_view app, LineId line) const = 0;
  };
  /// The server's directory (none: every requester is the scenario and every line its own).
  void set_directory(const Directory* directory) { directory_ = directory; }
  bool is_client(std::string_view name) const { return directory_ && directory_->is_client(name); }
  std::string line_controller(LineId line) const { return directory_ ? directory_->line_controller(line) : std::string(); }
  /// Who `call` belongs to for the scenario: its owner, else its line's controller, else the
  /// scenario's default controller "".
  std::string effective_owner(const Call& call) const;

  // --- the path ----------------------------------------------------------------------------
  /// A stage between authorization and the switch. before() may answer the request itself
  /// (a refusal), in which case the switch never sees it.
  /// What becomes of a request's reply beyond the switch's own timing (reply_delay): a filter
  /// may make it late or lose it (the operation is carried out all the same).
  struct ReplyFate {
    Duration delay{0};  ///< added to the switch's reply_delay
    bool lost = false;  ///< the reply never comes: the request never completes
    std::string why;    ///< the fault that did it, for messages ("fault 2 (line 7)")
  };
  class Filter {
   public:
    virtual ~Filter() = default;
    /// `line` is the acting line's number ("" when none). A refusal answers the request.
    virtual std::optional<OpResult> before(const Command& command, const std::string& line, ReplyFate& fate) = 0;
  };
  void add_filter(Filter* filter) { filters_.push_back(filter); }
  /// The fate of the last request's reply (read right after execute(), or in the switch's
  /// on_reply while it runs).
  const ReplyFate& last_fate() const { return fate_; }

  /// Where each operation is recorded (the run's report lists them), or none.
  void on_operation(std::function<void(OperationRecord)> sink) { sink_ = std::move(sink); }

  /// Authorize, filter and apply `command`; record it. A refusal of the path (NOTOWNER,
  /// INVALLINEHANDLE, TARGETNOTFOUND, TARGETSELF) is an OpResult like the switch's, with its
  /// reason in `detail`.
  OpResult execute(const Command& command);
  /// The authorization step alone: nullopt when `command` may go ahead.
  std::optional<OpResult> authorize(const Command& command) const;
  /// Only the subject's part of it (the line or call the command acts on): a front end may ask
  /// first, so a request on somebody else's line is refused before its other arguments are read.
  std::optional<OpResult> authorize_subject(const Command& command) const;

  /// lineHandoff's own two forms for a live client, besides `to` (a client's name, execute's):
  /// by the target application's file name, or by media mode (one LINEMEDIAMODE bit). The
  /// target is the client the directory names; by media mode the highest-priority owner of it
  /// on the call's line (the requester itself: TARGETSELF); by name one of the clients that
  /// registered it and have the line open as owner (only the requester: done, nothing changes,
  /// as TAPI's handoff to one's own file name). A target that owns the call already sees no
  /// change. The requester keeps its privilege (TAPI). The reply's address is the target.
  struct HandoffTarget {
    std::string app;
    std::uint32_t media_mode = 0;
  };
  OpResult handoff(Command command, const HandoffTarget& target);
  /// lineSetCallPrivilege for a live client: nullopt when `client` may have `privilege` on
  /// `call`. It must hold a handle to the call or hear of it (else INVALCALLHANDLE); to own it,
  /// hold a handle or have its line open (NOTOWNER for one that only monitors the line); the only
  /// owner of a call that is not IDLE may not become a monitor (INVALCALLSTATE).
  std::optional<OpResult> authorize_privilege(const std::string& client, CallId call, CallPrivilege privilege) const;

 private:
  std::optional<OpResult> authorize_line(const Command& c, LineId line) const;
  std::optional<OpResult> authorize_call(const Command& c, CallId id, bool handle_is_enough = false) const;
  std::optional<OpResult> authorize_handoff(const Command& c) const;
  /// A client's deallocate while other clients still hold the call: it gives up its own handle
  /// only, the switch keeps the call (an answer of the path's own); nullopt: the switch decides.
  std::optional<OpResult> release_only(const Command& c) const;
  /// Filters, then the switch (or `early`), and the record: the end of every path.
  OpResult finish(const Command& c, std::optional<OpResult> early, const std::function<OpResult()>& apply);
  OpResult refusal(const Command& c, LineErr error, CallId call, std::string detail) const;

  Pbx& pbx_;
  std::vector<std::string> controllers_;
  const Directory* directory_ = nullptr;
  std::vector<Filter*> filters_;
  ReplyFate fate_;
  std::function<void(OperationRecord)> sink_;
};

}  // namespace telsim
