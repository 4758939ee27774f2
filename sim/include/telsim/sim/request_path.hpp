#pragma once
/// The one path every operation takes, whoever asks (a scenario step, a live client):
///
///   decode (request.hpp) -> Command -> authorize -> filters -> Pbx::execute -> reply, events
///
/// Authorization is decided here and only here: who controls each line (the client that opened
/// it, else the scenario), who owns each call, which controllers exist to hand calls to.
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
  /// What the path must know of requesters beyond the scenario: the live server's clients.
  class Directory {
   public:
    virtual ~Directory() = default;
    /// A connected client by that name (a handoff target; a requester that is not the scenario).
    virtual bool is_client(std::string_view name) const = 0;
    /// The client that has `line` open, or "" when none has (the scenario's line).
    virtual std::string line_controller(LineId line) const = 0;
  };
  /// The server's directory (none: every requester is the scenario and every line its own).
  void set_directory(const Directory* directory) { directory_ = directory; }
  bool is_client(std::string_view name) const { return directory_ && directory_->is_client(name); }
  std::string line_controller(LineId line) const { return directory_ ? directory_->line_controller(line) : std::string(); }
  /// Who `call` belongs to: its owner, else its line's controller, else the scenario's default
  /// controller "".
  std::string effective_owner(const Call& call) const;

  // --- the path ----------------------------------------------------------------------------
  /// A stage between authorization and the switch. before() may answer the request itself
  /// (a refusal), in which case the switch never sees it.
  class Filter {
   public:
    virtual ~Filter() = default;
    virtual std::optional<OpResult> before(const Command& command) = 0;
  };
  void add_filter(Filter* filter) { filters_.push_back(filter); }

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

 private:
  std::optional<OpResult> authorize_line(const Command& c, LineId line) const;
  std::optional<OpResult> authorize_call(const Command& c, CallId id) const;
  std::optional<OpResult> authorize_handoff(const Command& c) const;
  OpResult refusal(const Command& c, LineErr error, CallId call, std::string detail) const;

  Pbx& pbx_;
  std::vector<std::string> controllers_;
  const Directory* directory_ = nullptr;
  std::vector<Filter*> filters_;
  std::function<void(OperationRecord)> sink_;
};

}  // namespace telsim
