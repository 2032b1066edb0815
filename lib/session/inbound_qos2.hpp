#pragma once
// Incoming QoS 2 bookkeeping, the spec's "Method B" (Figure 4.3): the packet
// id is stored when the PUBLISH is delivered and forgotten on PUBREL, so a
// re-sent PUBLISH with that id in between is acknowledged but not delivered
// again [MQTT-4.3.3-2]. Inbound ids are independent of ours [MQTT-2.3.1-4].

#include <cstddef>
#include <cstdint>

#include "session/id_set.hpp"

namespace tern::detail {

/// `insert` records an id (false: already recorded, a duplicate PUBLISH),
/// `erase` forgets it on PUBREL (false: it was not recorded).
using inbound_qos2 = id_set;

}  // namespace tern::detail
