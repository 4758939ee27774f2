#include "connection_manager.hpp"

#include <vector>

#include <boost/asio/post.hpp>
#include <fmt/format.h>

namespace telsim::serve {

namespace asio = boost::asio;

/// A client whose frames go to its Connection.
class ConnectionManager::SocketClient final : public Client {
 public:
  SocketClient(std::shared_ptr<Connection> connection, const std::function<void(const Client&, const std::string&)>& tap)
      : connection_(std::move(connection)), tap_(tap) {}
  void send(std::string frame) override {
    if (tap_) tap_(*this, frame);
    connection_->send(std::move(frame));
  }
  void close_after_flush() override { connection_->close_after_flush(); }
  bool gone() const override { return connection_->gone(); }
  bool closing() const override { return connection_->closing(); }
  void authenticated() override {
    Client::authenticated();
    connection_->cancel_auth_deadline();
  }
  Connection& connection() { return *connection_; }

 private:
  std::shared_ptr<Connection> connection_;
  const std::function<void(const Client&, const std::string&)>& tap_;
};

ConnectionManager::ConnectionManager(asio::io_context& io, const ServerOptions& options, ServerStats& stats,
                                     ServerLog& log, Listener& listener)
    : io_(io), options_(options), stats_(stats), log_(log), listener_(listener), linger_timer_(io) {}

ConnectionManager::~ConnectionManager() = default;

void ConnectionManager::connect(asio::ip::tcp::socket socket) {
  const std::uint64_t number = next_client_++;
  Connection::Handler& handler = *this;
  auto connection = std::make_shared<Connection>(std::move(socket), number, handler,
                                                 Connection::Limits{options_.max_frame, options_.max_queued_bytes});
  auto c = std::make_shared<SocketClient>(connection, tap_);
  c->number = number;
  c->name = fmt::format("client-{}", number);
  c->peer = connection->peer();
  c->authed = options_.token.empty();
  clients_[number] = c;
  by_name_[c->name] = c.get();
  ++stats_.connections;
  if (!options_.quiet) log_.say("{} connected from {}", c->name, c->peer);
  if (!c->authed) connection->start_auth_deadline(options_.auth_timeout);
  connection->start();
}

ConnectionManager::SocketClient* ConnectionManager::client_of(const Connection& connection) const {
  const auto it = clients_.find(connection.number());
  return it == clients_.end() ? nullptr : it->second.get();
}

void ConnectionManager::on_frame(Connection& connection, const wire::FrameSplitter::Item& item) {
  const auto it = clients_.find(connection.number());
  if (it == clients_.end()) return;
  const std::shared_ptr<SocketClient> keep = it->second;  // alive while its request runs
  listener_.on_client_frame(*keep, item);
}

void ConnectionManager::on_frames_done(Connection&) { listener_.after_client_input(); }

bool ConnectionManager::taking_requests() const { return listener_.taking_requests(); }

void ConnectionManager::on_gone(Connection& connection, const std::string& why) { release(connection.number(), why); }

void ConnectionManager::on_cut_off(Connection& connection, std::size_t unsent) {
  ++stats_.cut_off;
  const SocketClient* c = client_of(connection);
  log_.say("{} cut off: {} bytes of events unsent (it is not reading)", c ? c->name : "?", unsent);
  // This may run inside a PBX callback: the clean-up waits for the loop.
  asio::post(io_, [this, number = connection.number()] { release(number, "cut off (not reading)"); });
}

void ConnectionManager::on_auth_deadline(Connection& connection) {
  SocketClient* c = client_of(connection);
  if (!c || c->authed) return;
  log_.say("{} did not authenticate within {} ms; closing", c->name, options_.auth_timeout.count());
  c->send(wire::error_frame(nullptr, LineErr::OperationUnavail, "authentication timed out"));
  c->close_after_flush();
}

void ConnectionManager::attach(std::shared_ptr<Client> client, std::string_view prefix) {
  const std::uint64_t number = next_client_++;
  client->number = number;
  client->name = fmt::format("{}-{}", prefix, number);
  attached_[number] = client;
  by_name_[client->name] = client.get();
  ++stats_.connections;
  if (!options_.quiet) log_.say("{} connected from {}", client->name, client->peer);
}

void ConnectionManager::detach(const Client& client, const std::string& why) { release(client.number, why); }

void ConnectionManager::release(std::uint64_t number, const std::string& why) {
  if (const auto a = attached_.find(number); a != attached_.end()) {
    const std::shared_ptr<Client> keep = a->second;
    if (!options_.quiet) log_.say("{} disconnected: {}", keep->name, why);
    listener_.on_client_release(*keep);
    by_name_.erase(keep->name);
    attached_.erase(number);
    listener_.after_client_release();
    if (stopping_ && empty()) linger_timer_.cancel();
    return;
  }
  const auto it = clients_.find(number);
  if (it == clients_.end()) return;  // released already
  const std::shared_ptr<SocketClient> keep = it->second;  // alive until this returns
  SocketClient& c = *keep;
  c.connection().close();
  if (!options_.quiet) log_.say("{} disconnected: {}", c.name, why);
  listener_.on_client_release(c);
  by_name_.erase(c.name);
  clients_.erase(number);
  listener_.after_client_release();
  if (stopping_ && empty()) linger_timer_.cancel();
}

void ConnectionManager::stop_all(const std::string& last_frame) {
  stopping_ = true;
  std::vector<std::shared_ptr<SocketClient>> all;
  for (auto& [n, c] : clients_) all.push_back(c);
  for (auto& c : all) {
    if (c->gone()) continue;
    c->send(last_frame);
    c->close_after_flush();
  }
  std::vector<std::shared_ptr<Client>> pages;
  for (auto& [n, c] : attached_) pages.push_back(c);
  for (auto& c : pages) {
    if (c->gone()) continue;
    c->send(last_frame);
    c->close_after_flush();
  }
  // Clients that do not take their last events within a second are closed anyway.
  linger_timer_.expires_after(std::chrono::seconds(1));
  linger_timer_.async_wait([this](const boost::system::error_code& e) {
    if (e) return;
    std::vector<std::shared_ptr<SocketClient>> left;
    for (auto& [n, c] : clients_) left.push_back(c);
    for (auto& c : left) c->connection().disconnect("server stopped");
    std::vector<std::uint64_t> page_ids;
    for (auto& [n, c] : attached_) page_ids.push_back(n);
    for (std::uint64_t n : page_ids) release(n, "server stopped");
  });
  if (empty()) linger_timer_.cancel();
}

Client* ConnectionManager::find(std::string_view name) const {
  const auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

void ConnectionManager::rename(Client& client, std::string name) {
  by_name_.erase(client.name);
  client.name = std::move(name);
  by_name_[client.name] = &client;
}

void ConnectionManager::for_each(const std::function<void(Client&)>& fn) const {
  for (const auto& [n, c] : clients_) fn(*c);
  for (const auto& [n, c] : attached_) fn(*c);
}

}  // namespace telsim::serve
