#!/usr/bin/env bash
# tern_asyncio (io="thread", the default, and io="loop"; and tern_fastapi),
# all with the Python packages' adaptive read interval, against paho-mqtt 1.6 driven from asyncio
# (add_reader/add_writer with loop_read/loop_write/loop_misc, the engine
# under aiomqtt): messages per second into an `async def` handler and
# receiver CPU per message, QoS 0 and 1, a drained backlog and a paced live
# stream (bench/python/asyncio_bench.py). The machinery, its variables and
# the table are bench-flask.sh's:
#
#   BUILD=build REPS=3 COUNT=100000 RATE=20000 ./scripts/bench-asyncio.sh
#   PEERS="tern paho" MODES=backlog ./scripts/bench-asyncio.sh
#   NODELAY=true ./scripts/bench-asyncio.sh    # a broker tuned for latency (the default: as shipped, Nagle on)
#
# Wrap the call in `flock /tmp/tern-build.lock` on a shared machine.
export BENCH_RECEIVER=asyncio_bench.py
export PEERS=${PEERS:-tern tern-loop tern-now tern-fastapi paho}
export MODES=${MODES:-backlog paced}
exec "$(dirname "$0")/bench-flask.sh"
