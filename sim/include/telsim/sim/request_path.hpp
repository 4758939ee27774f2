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
  /// A live client connected (its name may be a handoff target) or left.
  void add_client(const std::string& name);
  void remove_client(const std::string& name);
  void rename_client(const std::string& from, const std::string& to);
  bool is_client(std::string_view name) const { return clients_.count(std::string(name)) > 0; }
  /// A live client opened `line` (it now controls the line's unowned calls), or with "" the
  /// line went back to the scenario.
  void set_line_controller(LineId line, std::string client);
  /// The client controlling `line`, or nullptr when the scenario does.
  const std::string* line_controller(LineId line) const;
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

 private:
  std::optional<OpResult> authorize_line(const Command& c, LineId line) const;
  std::optional<OpResult> authorize_call(const Command& c, CallId id) const;
  std::optional<OpResult> authorize_handoff(const Command& c) const;
  OpResult refusal(const Command& c, LineErr error, CallId call, std::string detail) const;

  Pbx& pbx_;
  std::vector<std::string> controllers_;
  std::set<std::string, std::less<>> clients_;
  std::map<LineId, std::string> line_controllers_;
  std::vector<Filter*> filters_;
  std::function<void(OperationRecord)> sink_;
};

}  // namespace telsim
