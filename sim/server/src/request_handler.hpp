#pragma once
/// Requests from clients, carried out on the model.
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "client.hpp"
#include "event_encoder.hpp"
#include "server_log.hpp"
#include "subscriptions.hpp"
#include "telsim/server/protocol.hpp"
#include "telsim/server/server.hpp"
#include "telsim/sim/request_path.hpp"

namespace telsim {
class ModemPorts;
}

namespace telsim::serve {

/// Decodes a request and carries it out: the session (hello, auth, ping), the lines a client
/// controls or monitors (open, close, monitor), the queries, and the TAPI operations on the
/// model, each checked (the line open, the call the client's) before the model is called. The
/// reply goes to the client that asked, before any event the request causes. Knows nothing of
/// sockets: a request arrives parsed, from a Client, and replies go out through Client::send.
class RequestHandler final : public RequestPath::Directory {
 public:
  /// `ports` describes the modems' devices in list_lines (nullptr: none).
  RequestHandler(Pbx& pbx, ScenarioSession& session, Scheduler& clock, Subscriptions& subscriptions,
                 EventEncoder& encoder, ClientDirectory& clients, const ServerOptions& options, ServerStats& stats,
                 ServerLog& log, const ModemPorts* ports);
  ~RequestHandler() override;
  RequestHandler(const RequestHandler&) = delete;
  RequestHandler& operator=(const RequestHandler&) = delete;

  /// Carry out one request from `c`. A bad parameter or a refusal before the model is reached
  /// is answered with an error reply; the model's own answer is its LINE_REPLY.
  void handle(Client& c, const wire::Request& request);
  /// The model's LINE_REPLY: the reply to the request being carried out (sent now, before the
  /// events the operation causes); the handles it names become the requester's.
  void on_reply(const OpResult& result);
  /// `c` lets go of the calls it holds (on `only_line`, or everywhere): those it alone owns are
  /// dropped, and a call nobody holds any more is deallocated once IDLE. For close, and a client
  /// that goes.
  void clear_calls_of(Client& c, std::optional<LineId> only_line);

  // RequestPath::Directory: the clients, the lines they have open, their privileges on calls.
  bool is_client(std::string_view name) const override;
  std::string line_controller(LineId line) const override;
  bool has_open(std::string_view name, LineId line) const override;
  RequestPath::CallPrivilege privilege(std::string_view name, const Call& call) const override;
  std::vector<std::pair<std::string, RequestPath::CallPrivilege>> holders(const Call& call) const override;
  std::vector<std::string> media_owners(LineId line, std::uint32_t media_mode) const override;
  std::vector<std::string> app_owners(std::string_view app, LineId line) const override;

 private:
  /// The request being carried out, for on_reply.
  struct Active {
    Client* client = nullptr;
    nlohmann::json id;
    bool replied = false;
    Duration reply_after{0};  ///< reply_order after_events: the reply goes this long after the events
  };

  /// Carry out one request now (handle() may hold an operation back: reply_delay).
  void carry_out(Client& c, const wire::Request& req);
  /// Send the reply to request `id` to `c` now, or `after` from now (stamped then) if it is
  /// still connected then.
  void send_reply(Client& c, const nlohmann::json& id, const OpResult& r, Duration after);
  /// The connected client with this number, or nullptr.
  Client* by_number(std::uint64_t number) const;

  void dispatch(Client& c, const wire::Request& req);
  /// The TAPI operations (request_operations.cpp): decoded from the operation catalogue.
  void call_operation(Client& c, const wire::Request& req);
  /// The call a "cN" handle names (`bad` when it is not one, or is gone).
  CallId handle_of(const std::string& text, LineErr bad) const;
  /// Send `command` down the request path for `c`: its reply is the request's (sent before
  /// the events it causes), its record the run's.
  OpResult operation(Client& c, const wire::Request& req, const Command& command);
  /// The same for another of the path's entries (`run` calls it): lineHandoff's own forms.
  OpResult operation(Client& c, const wire::Request& req, const std::function<OpResult()>& run);
  void hello(Client& c, const wire::Request& req, const wire::Params& p);
  /// A fault for a live test (request_operations.cpp): `fault` as a scenario's `faults:` item.
  void inject(Client& c, const wire::Request& req, const wire::Params& p);
  /// A call from the PSTN arriving on a trunk group for a DID (as a traffic generator's are).
  void pstn_call(Client& c, const wire::Request& req, const wire::Params& p);
  bool check_token(Client& c, const nlohmann::json& id, const std::string& token);
  void authenticate(Client& c, const wire::Request& req, const std::string& token);
  void list_lines(Client& c, const wire::Request& req);
  void open_line(Client& c, const wire::Request& req, const wire::Params& p);
  void close_line(Client& c, const wire::Request& req, LineId l);
  void register_app(Client& c, const wire::Request& req, const wire::Params& p);
  void set_privilege(Client& c, const wire::Request& req, const wire::Params& p);
  /// handoff by `app` or `media_mode` (request_operations.cpp).
  void handoff_by(Client& c, const wire::Request& req);
  /// After a handoff to `target` succeeded: its privileges, and what it hears.
  void handed_off(Client& source, const std::string& target, CallId call, bool source_keeps,
                  std::uint32_t media_mode = 0);
  /// After a deallocate by `c` succeeded: its handle is gone (and the call, at the switch, when
  /// it was the last).
  void deallocated(Client& c, CallId call);
  void monitor(Client& c, const wire::Request& req, const wire::Params& p, bool on);
  /// modem_config and modem_passthrough (modem_requests.cpp).
  void modem_request(Client& c, const wire::Request& req, const wire::Params& p);
  nlohmann::json modem_json(LineId l) const;
  void ok(Client& c, const nlohmann::json& id, nlohmann::json body = nlohmann::json::object());
  /// The line named by `key` (BADDEVICEID when unknown; INVALLINEHANDLE when `must_control`
  /// and `c` has not opened it).
  LineId line_param(Client& c, const wire::Params& p, bool must_control, const char* key = "line");
  /// The call named by `key` (`bad` when there is none; NOTOWNER when `must_control` and it is
  /// not `c`'s).
  CallId call_param(Client& c, const wire::Params& p, const char* key, bool must_control,
                    LineErr bad = LineErr::InvalCallHandle);
  [[noreturn]] static void refuse(LineErr e, std::string message);

  Pbx& pbx_;
  ScenarioSession& session_;
  Scheduler& clock_;
  Subscriptions& subs_;
  EventEncoder& encoder_;
  ClientDirectory& clients_;
  const ServerOptions& options_;
  ServerStats& stats_;
  ServerLog& log_;
  const ModemPorts* ports_;
  Active* active_ = nullptr;
};

/// "c17" → 17; nullopt for anything that is not a call handle.
std::optional<std::uint32_t> parse_call_name(const std::string& text);

}  // namespace telsim::serve
