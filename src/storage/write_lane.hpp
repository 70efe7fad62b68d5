#pragma once

#include <cstdint>

namespace dialer::storage {

/// How a write waits for the storage writer: `urgent` writes (a dial about to be sent) go
/// before the others waiting and have a writer of their own; `ordinary` ones take their turn.
enum class write_lane : std::uint8_t { ordinary, urgent };

}  // namespace dialer::storage
