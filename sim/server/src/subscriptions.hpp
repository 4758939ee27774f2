#pragma once
/// Who hears about which line and call, and with which privilege.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "client.hpp"
#include "event_encoder.hpp"
#include "telsim/models/pbx.hpp"
#include "telsim/server/server.hpp"
#include "telsim/sim/request_path.hpp"

namespace telsim::serve {

using Privilege = RequestPath::CallPrivilege;

/// How a client has a line open. A plain `open` (the protocol's first form) takes the line alone:
/// it owns every call on it nobody else owns, and nobody else may open it as owner. An `open` with
/// a `privilege` shares the line (TAPI's lineOpen): owners for their media modes, monitors, or
/// neither (NONE: it only makes calls).
struct LineOpen {
  Client* client = nullptr;
  bool alone = false;              ///< a plain open: the line's only owner
  bool owner = false;              ///< LINECALLPRIVILEGE_OWNER (alone: always)
  bool monitor = false;            ///< LINECALLPRIVILEGE_MONITOR
  std::uint32_t media_modes = 0;   ///< LINEMEDIAMODE bits it owns (alone: every one)
  std::optional<long long> rank;   ///< its priority among owners (lower first); none: after the ranked
  std::uint64_t order = 0;         ///< when it opened the line: the priority of the unranked
  bool owns(std::uint32_t media_mode) const { return owner && (alone || (media_modes & media_mode) != 0); }
};

/// Who hears about what, and telling them: the clients that have each line open and how, the
/// clients monitoring a line or every line ("*"), and each client's privilege on each call it
/// holds (owner or monitor); the calls each client has been told of; the call handles clients
/// may name. Each model event goes to its listeners as frames from the EventEncoder, in the
/// order the protocol promises: a call's new_call before its first call_state, a change of
/// party (call_info) before the call_state that follows it, the calls in progress on a line
/// before the reply to the open or monitor that added it.
///
/// A call's privileges are given when its first event is reported (or when a client opens its
/// line later): its owner is the client whose request made it (or the client the switch names
/// as its owner), else one owner among those that have the line open for the call's media mode
/// (rank, then open order); the others that share the line as monitors hold it as monitors.
class Subscriptions {
 public:
  Subscriptions(const Pbx& pbx, EventEncoder& encoder, const ClientDirectory& clients, ServerStats& stats);

  // --- lines ------------------------------------------------------------------------------
  /// The client that controls the line for the scenario: the one that opened it alone, else
  /// the first owner of those that share it; nullptr when none.
  Client* controller(LineId line) const;
  /// How `c` has the line open, or nullptr.
  const LineOpen* opened(const Client& c, LineId line) const;
  /// Every open of the line, in open order.
  const std::vector<LineOpen>& opens(LineId line) const { return opens_[line]; }
  /// `c` opens the line as `how` says (again: its privilege and media modes change). The line's
  /// forwarding and message waiting are followed from now on. False when it had it open already.
  bool open(Client& c, LineId line, LineOpen how);
  /// `c` no longer has the line open.
  void close(Client& c, LineId line);
  /// The clients that have `line` open as owners of `media_mode`, highest priority first.
  std::vector<Client*> owners_of(LineId line, std::uint32_t media_mode) const;
  /// The media mode of the calls on a line (LINEMEDIAMODE_INTERACTIVEVOICE; a modem's:
  /// DATAMODEM), as `set_media_of` says.
  std::uint32_t media_mode(LineId line) const;
  void set_media_of(std::function<std::uint32_t(LineId)> media_of) { media_of_ = std::move(media_of); }
  /// Called after a client opened a line, opened it again or let it go (close, leaving).
  void set_on_opens_changed(std::function<void(LineId)> hook) { opens_changed_ = std::move(hook); }
  /// Some client has `l` open as an owner.
  bool has_owner(LineId l) const;
  /// `c` hears of the line's calls: those in progress first, announced.
  void monitor(Client& c, LineId line);
  void unmonitor(Client& c, LineId line);
  /// `c` hears of every line's calls (trunk channels' too): those in progress first.
  void monitor_everything(Client& c);
  void unmonitor_everything(Client& c);
  /// How many clients monitor the line (those monitoring "*" included).
  std::size_t monitor_count(LineId line) const;
  /// `c` is going: its lines are closed (watchers hear CLOSE), its monitors end, its handles go.
  void remove(Client& c);

  // --- privileges -------------------------------------------------------------------------
  /// `c`'s privilege on `call`: Owner or Monitor when it holds a handle; Monitor when it hears
  /// of the call otherwise (it has the line open alone, or monitors it); else None.
  Privilege privilege(const Client& c, const Call& call) const;
  /// The clients that hold a handle to the call (owners and monitors), in the order they got it.
  const std::vector<Client*>& holders(std::uint32_t serial) const;
  /// `c` holds the call with `privilege` (Owner or Monitor) from now on.
  void grant(Client& c, CallId id, Privilege privilege);
  /// `c` lets its handle to the call go (deallocate, close, handoff): it hears no more of it
  /// unless it listens to the line otherwise.
  void release(Client& c, std::uint32_t serial);
  /// The call is gone from the switch: nobody holds it.
  void forget_call(std::uint32_t serial);

  // --- call handles -----------------------------------------------------------------------
  /// The handle of the call with this serial, when clients have heard of it.
  std::optional<CallId> handle(std::uint32_t serial) const;
  void remember(CallId id) { ids_[id.serial] = id; }
  const std::unordered_map<std::uint32_t, CallId>& handles() const { return ids_; }
  /// Now and then, forget the handles of deallocated calls (and clients' privileges on them).
  void sweep();

  // --- events -----------------------------------------------------------------------------
  /// The clients who hear about `line` (and about `call`: its holders), each once.
  void recipients(LineId line, const Call* call, std::vector<Client*>& out) const;
  /// A call changed state (LINE_CALLSTATE).
  void call_state(const CallStateEvent& event);
  /// The call's party changed; its watchers hear where it ended up at the next flush().
  void peer_changed(CallId id);
  /// A digits/tones/media event (media.hpp) for the clients that hear of its call.
  void media(const MediaEvent& event);
  /// Report what changed while the PBX was busy: parties (call_info), forwarding
  /// (address_state) and message waiting (line_state).
  void flush();
  void line_state(LineId line, const char* state, const nlohmann::json& extra = nlohmann::json::object());
  void modem_state(const Modem& modem, LineId line);
  /// The ACD: an agent's status changed (to the clients of its line), a queue's figures changed
  /// (to the clients of the lines of its agents).
  void agent_status(LineId line, std::uint32_t changed);
  void queue_status(std::size_t queue);
  /// The calls already on `line` that `c` has not heard of and may hear of are announced (its
  /// privileges given first): new_call, then call_state.
  void announce_calls(Client& c, LineId line);
  /// `c` was handed `call` (handoff): it hears of it as a new call with owner privilege unless
  /// it knows it (then call_privilege), and of its state. `media_mode`: the handoff's, when it
  /// was by media mode (the frames name it, so the client knows which of its applications).
  void handed(Client& c, CallId id, const Call& call, std::uint32_t media_mode = 0);
  /// `c`'s privilege on a call it knows changed: call_privilege.
  void privilege_changed(Client& c, const Call& call, std::uint32_t media_mode = 0);
  /// The server stops: clients closing after their queue still hear what the end does.
  void stopping() { stopping_ = true; }

 private:
  void report_peer(CallId id);
  void unwatch(LineId line, Client* c);
  /// Give the call's privileges to the clients that share its line (once per call).
  void assign(const Call& call);
  /// Give `c`, which has just opened or monitors the line, its privilege on a call there.
  void assign_to(Client& c, const Call& call);
  /// The new_call frame for `c`: the call and `c`'s privilege on it.
  std::string new_call_frame(const Client& c, const Call& call) const;
  bool hears(const Client& c, const Call& call) const;
  /// Whether some client owns the call (or the switch names its owner).
  bool owned(const Call& call) const;

  const Pbx& pbx_;
  EventEncoder& encoder_;
  const ClientDirectory& clients_;
  ServerStats& stats_;
  bool stopping_ = false;
  std::vector<std::vector<LineOpen>> opens_;  // by LineId
  std::uint64_t next_order_ = 1;
  std::function<std::uint32_t(LineId)> media_of_;
  std::function<void(LineId)> opens_changed_;
  std::unordered_map<LineId, std::vector<Client*>> monitors_;
  std::vector<Client*> monitor_all_;
  std::unordered_map<std::uint32_t, CallId> ids_;  // serial -> handle
  std::unordered_map<std::uint32_t, std::vector<Client*>> holders_;  // serial -> clients holding it
  std::unordered_set<std::uint32_t> assigned_;  // calls whose privileges were given
  std::size_t ids_sweep_at_ = 1024;
  std::vector<CallId> peers_changed_;  // calls whose party changed, for flush()
};

/// A privilege as the wire spells it: "OWNER", "MONITOR", "NONE".
const char* privilege_name(Privilege p);

}  // namespace telsim::serve
