#pragma once
/// The set of connected clients.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "client.hpp"
#include "connection.hpp"
#include "server_log.hpp"
#include "telsim/server/server.hpp"

namespace telsim::serve {

/// The set of connected clients and their lifetime: gives each accepted connection its Client
/// (number, name client-N, peer, authentication deadline), finds clients by name, releases a
/// client once when it goes (closed, reset, cut off, timed out), and at the end tells every
/// client and closes it. What a client's requests and departure mean for the PBX is the
/// Listener's business.
class ConnectionManager final : Connection::Handler, public ClientDirectory {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    /// A frame from `client` (a request, or an oversize notice).
    virtual void on_client_frame(Client& client, const wire::FrameSplitter::Item& item) = 0;
    /// The frames of one read have been handled.
    virtual void after_client_input() = 0;
    /// Whether requests are taken at all (not once the server stops).
    virtual bool taking_requests() const = 0;
    /// `client` is going (its socket is closed already): its calls and lines go with it.
    virtual void on_client_release(Client& client) = 0;
    /// A client has been released and forgotten.
    virtual void after_client_release() = 0;
  };

  ConnectionManager(boost::asio::io_context& io, const ServerOptions& options, ServerStats& stats, ServerLog& log,
                    Listener& listener);
  ~ConnectionManager() override;

  /// A connection was accepted: it becomes a client and is read from.
  void connect(boost::asio::ip::tcp::socket socket);
  /// A client that is not one of this manager's sockets (a page of the live console, whose
  /// frames go to its WebSocket): it gets a number and the name PREFIX-N, and is found, listed,
  /// stopped and released like the others.
  void attach(std::shared_ptr<Client> client, std::string_view prefix);
  /// An attached client went: it is released (once) like a socket client.
  void detach(const Client& client, const std::string& why);
  /// Told of every frame sent to a socket client (the console's request log); none by default.
  void set_send_tap(std::function<void(const Client&, const std::string&)> tap) { tap_ = std::move(tap); }
  /// The server stops: every client gets `last_frame` (the shutdown event) and is closed once
  /// it has taken its queue; a client that has not within a second is closed anyway.
  void stop_all(const std::string& last_frame);

  Client* find(std::string_view name) const override;
  void rename(Client& client, std::string name) override;
  bool empty() const override { return clients_.empty() && attached_.empty(); }
  void for_each(const std::function<void(Client&)>& fn) const override;

 private:
  class SocketClient;
  void on_frame(Connection& connection, const wire::FrameSplitter::Item& item) override;
  void on_frames_done(Connection& connection) override;
  bool taking_requests() const override;
  void on_gone(Connection& connection, const std::string& why) override;
  void on_cut_off(Connection& connection, std::size_t unsent) override;
  void on_auth_deadline(Connection& connection) override;
  /// Close the client's socket, let the listener drop its calls and lines, forget it.
  void release(std::uint64_t number, const std::string& why);
  SocketClient* client_of(const Connection& connection) const;

  boost::asio::io_context& io_;
  const ServerOptions& options_;
  ServerStats& stats_;
  ServerLog& log_;
  Listener& listener_;
  std::uint64_t next_client_ = 1;
  std::map<std::uint64_t, std::shared_ptr<SocketClient>> clients_;
  std::map<std::string, Client*, std::less<>> by_name_;
  std::map<std::uint64_t, std::shared_ptr<Client>> attached_;  // clients of attach()
  std::function<void(const Client&, const std::string&)> tap_;
  bool stopping_ = false;
  boost::asio::steady_timer linger_timer_;
};

}  // namespace telsim::serve
