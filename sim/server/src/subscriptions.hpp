#pragma once
/// Who hears about which line and call.
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "client.hpp"
#include "event_encoder.hpp"
#include "telsim/models/pbx.hpp"
#include "telsim/server/server.hpp"

namespace telsim::serve {

/// Who hears about what, and telling them: the client controlling each line, the clients
/// monitoring a line or every line ("*"), a call's owner; the calls each client has been told
/// of; the call handles clients may name. Each model event goes to its listeners as frames from
/// the EventEncoder, in the order the protocol promises: a call's new_call before its first
/// call_state, a change of party (call_info) before the call_state that follows it, the calls
/// in progress on a line before the reply to the open or monitor that added it.
class Subscriptions {
 public:
  Subscriptions(const Pbx& pbx, EventEncoder& encoder, const ClientDirectory& clients, ServerStats& stats);

  // --- lines ------------------------------------------------------------------------------
  /// The client that has the line open, or nullptr.
  Client* controller(LineId line) const { return controller_[line]; }
  /// `c` controls the line (its forwarding and message waiting are followed from now on).
  /// False when it had it open already.
  bool open(Client& c, LineId line);
  /// `c` no longer controls the line.
  void close(Client& c, LineId line);
  /// `c` hears of the line's calls: those in progress first, announced.
  void monitor(Client& c, LineId line);
  void unmonitor(Client& c, LineId line);
  /// `c` hears of every line's calls (trunk channels' too): those in progress first.
  void monitor_everything(Client& c);
  void unmonitor_everything(Client& c);
  /// How many clients monitor the line (those monitoring "*" included).
  std::size_t monitor_count(LineId line) const;
  /// `c` is going: its lines are closed (watchers hear CLOSE), its monitors end.
  void remove(Client& c);
  /// Whether `c` may act on `call`: it owns the call, or the call is unowned on a line `c` has
  /// open.
  bool controls(const Client& c, const Call& call) const;

  // --- call handles -----------------------------------------------------------------------
  /// The handle of the call with this serial, when clients have heard of it.
  std::optional<CallId> handle(std::uint32_t serial) const;
  void remember(CallId id) { ids_[id.serial] = id; }
  const std::unordered_map<std::uint32_t, CallId>& handles() const { return ids_; }
  /// Now and then, forget the handles of deallocated calls (and clients' ownership of them).
  void sweep();

  // --- events -----------------------------------------------------------------------------
  /// The clients who hear about `line` (and about `call`, through its owner), each once.
  void recipients(LineId line, const Call* call, std::vector<Client*>& out) const;
  /// A call changed state (LINE_CALLSTATE).
  void call_state(const CallStateEvent& event);
  /// The call's party changed; its watchers hear where it ended up at the next flush().
  void peer_changed(CallId id);
  /// Report what changed while the PBX was busy: parties (call_info), forwarding
  /// (address_state) and message waiting (line_state).
  void flush();
  void line_state(LineId line, const char* state, const nlohmann::json& extra = nlohmann::json::object());
  void modem_state(const Modem& modem, LineId line);
  /// The calls already on `line` that `c` has not heard of are announced: new_call, then
  /// call_state.
  void announce_calls(Client& c, LineId line);
  /// `c` was handed `call` (handoff): it hears of it as a new call unless it knows it, and of
  /// its state.
  void handed(Client& c, CallId id, const Call& call);
  /// The server stops: clients closing after their queue still hear what the end does.
  void stopping() { stopping_ = true; }

 private:
  void report_peer(CallId id);
  void unwatch(LineId line, Client* c);

  const Pbx& pbx_;
  EventEncoder& encoder_;
  const ClientDirectory& clients_;
  ServerStats& stats_;
  bool stopping_ = false;
  std::vector<Client*> controller_;  // by LineId
  std::unordered_map<LineId, std::vector<Client*>> monitors_;
  std::vector<Client*> monitor_all_;
  std::unordered_map<std::uint32_t, CallId> ids_;  // serial -> handle
  std::size_t ids_sweep_at_ = 1024;
  std::vector<CallId> peers_changed_;  // calls whose party changed, for flush()
};

}  // namespace telsim::serve
