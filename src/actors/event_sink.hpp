#pragma once

#include <memory>

#include "core/live_event.hpp"

namespace dialer::actors {

/// Where the event hub hands a subscriber's events: a thread-safe object (a WebSocket
/// session's adapter in production, a recorder in tests). deliver() is called from the hub's
/// thread and must not block: it queues the event or refuses it.
class event_sink {
 public:
  virtual ~event_sink() = default;
  /// Queues `ev` for the client; false when the client is gone or was dropped for being too
  /// slow, and the hub then forgets this sink.
  virtual bool deliver(std::shared_ptr<const live_event> ev) = 0;
};

}  // namespace dialer::actors
