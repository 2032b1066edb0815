#!/usr/bin/env bash
# Message stores: tern's publisher with no store, the memory store and the
# file store under each sync policy (every, batch, none), beside Paho C with
# its default file persistence (MQTTCLIENT_PERSISTENCE_DEFAULT), QoS 1 and 2,
# 64 B and 4 KiB, unpaced with a window of 100 (throughput, latency) and
# paced at 500 msgs/s (latency). Prints the disk's fsync rate first: the
# ceiling of `every`. The machinery and the table are bench-e2e.sh's; the
# ratios compare each row with tern-batch. RATE: the paced rate (default 500).
#
#   REPS=3 COUNT=10000 ./scripts/bench-store.sh
#   STORE_DIR=/mnt/ssd/x ./scripts/bench-store.sh    # the disk to measure
#
# Wrap the call in `flock /tmp/tern-build.lock` on a shared machine.
export PEERS=${PEERS:-tern tern-memstore tern-none tern-batch tern-every paho-persist}
export QOSES=${QOSES:-1 2}
export BASE=${BASE:-tern-batch}
export COUNT=${COUNT:-10000}
export PACED_COUNT=${PACED_COUNT:-2000}
export RATE=${RATE:-500}
exec "$(dirname "$0")/bench-e2e.sh"
