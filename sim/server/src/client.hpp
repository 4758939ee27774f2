#pragma once
/// A connected application as the PBX side of the server sees it, and the set of them by name.
/// Neither knows of sockets: ConnectionManager's clients write to a Connection, tests collect
/// the frames in a list.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "telsim/models/events.hpp"

namespace telsim::serve {

/// One connected application: its session (name, authentication, protocol version), the lines
/// it controls or monitors, the calls it has been told of and the calls it owns, and where its
/// frames go.
class Client {
 public:
  virtual ~Client() = default;
  /// Queue one frame (a JSON line with its newline); nothing happens once the client is gone.
  virtual void send(std::string frame) = 0;
  /// Take no more requests; close once everything queued has been written.
  virtual void close_after_flush() = 0;
  /// Closed or cut off: nothing more reaches it.
  virtual bool gone() const = 0;
  /// Closing once its queue is written: it takes no more requests.
  virtual bool closing() const = 0;
  /// Its token was right: from now on it may do anything (and no deadline closes it).
  virtual void authenticated() { authed = true; }

  std::uint64_t number = 0;
  std::string name;  ///< client-N, or what `hello` named it
  std::string peer;  ///< HOST:PORT it connected from
  bool authed = false;
  int failed_auths = 0;
  int version = 0;  ///< the protocol version `hello` agreed on
  std::vector<LineId> opened;     ///< lines it has open (alone, or shared with a privilege)
  std::vector<LineId> monitored;  ///< lines it monitors
  bool monitor_all = false;       ///< it monitors "*"
  /// Calls announced to it: new_call was sent, or its own request's reply named the handle.
  std::unordered_set<std::uint32_t> known;
  /// Calls it holds a handle to with owner privilege: its requests created them, they were
  /// handed to it, or it was chosen as their owner on a line it has open (TAPI's LINE_NEWCALL).
  std::unordered_set<std::uint32_t> owned;
  /// Calls it holds a handle to with monitor privilege: it shares their line with the monitor
  /// privilege, or gave up ownership (set_privilege). A call is deallocated at the switch only
  /// when no client holds it any more.
  std::unordered_set<std::uint32_t> watched;
  /// The applications it says it runs (register_app: executables' file names), for handoff.
  std::vector<std::string> apps;
};

/// The connected clients by name: what subscriptions and requests need of the set
/// (ConnectionManager holds it).
class ClientDirectory {
 public:
  virtual ~ClientDirectory() = default;
  /// The client called `name` (gone ones too, until they are released), or nullptr.
  virtual Client* find(std::string_view name) const = 0;
  /// Give `client` another name (`hello`); the caller has checked it is free.
  virtual void rename(Client& client, std::string name) = 0;
  /// No client is connected.
  virtual bool empty() const = 0;
  virtual void for_each(const std::function<void(Client&)>& fn) const = 0;
  /// The client with this number that is still connected (names change; numbers do not), or
  /// nullptr: for work held back and done later (a late reply, requests held by a stall).
  Client* connected(std::uint64_t number) const {
    Client* found = nullptr;
    for_each([&](Client& c) {
      if (c.number == number && !c.gone()) found = &c;
    });
    return found;
  }
};

}  // namespace telsim::serve
