#pragma once

#include <memory>
#include <mutex>
#include <unordered_map>

#include "http/server.hpp"

namespace dialer::http {

class router;

/// What the server may ask of any open connection, HTTP or WebSocket.
class open_connection {
 public:
  virtual ~open_connection() = default;
  /// Closes the connection soon (a WebSocket with 1001, going away); callable from any thread.
  virtual void close() = 0;
};

/// What every session of one server shares: its limits, its router and the open sessions.
/// The registry holds the sessions' strong references; a session leaves it when it closes.
class server_context {
 public:
  /// A context for sessions dispatching to `routes` (which must outlive every session).
  server_context(server_options options, const router& routes);

  /// The server's limits.
  const server_options& options() const { return options_; }
  /// Where complete requests go.
  const router& routes() const { return routes_; }

  /// Registers an open session; false once the server is stopping (the caller drops it).
  bool add(std::shared_ptr<open_connection> session);
  /// Forgets a session that has closed.
  void remove(const open_connection* session);
  /// Marks the server stopping and asks every open session to close (on its own strand).
  void close_all();
  /// Drops every strong reference (after close_all, when the server goes away).
  void forget_all();
  /// True after close_all.
  bool stopping() const;
  /// How many sessions are open.
  std::size_t open_sessions() const;

 private:
  const server_options options_;
  const router& routes_;
  mutable std::mutex mutex_;
  bool stopping_ = false;
  std::unordered_map<const open_connection*, std::shared_ptr<open_connection>> sessions_;
};

}  // namespace dialer::http
