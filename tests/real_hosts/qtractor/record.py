#!/usr/bin/env python3
"""Rolls JACK's transport from frame 0 and records a host's output ports, every process cycle
placed at the transport frame it played (test tooling for tests/real_hosts/qtractor.rs).

usage: record.py SERVER PORTS SECONDS OUT_PREFIX
  SERVER      the JACK server's name
  PORTS       comma-separated output ports to record (e.g. Qtractor:Master/out_1,...)
  SECONDS     how much rolling transport to record
  OUT_PREFIX  writes OUT_PREFIX.f32 (the recording, planar little-endian f32, one channel per
              port, indexed by transport frame) and OUT_PREFIX.json (what was captured)

The JSON: {"rate", "block", "frames", "captured" (transport frames captured), "xruns" (seen by
this client during the take), "rolled" (whether the transport rolled)}. Exit status: 0 when the
take ran; 2 if the ports never appeared; 3 if the transport never rolled; 4 if JACK went away.
"""

import json
import sys
import threading
import time

import jack
import numpy as np


def main(server, ports, seconds, prefix):
    sources = [p for p in ports.split(",") if p]
    client = jack.Client("hm-recorder", servername=server, no_start_server=True)
    rate, block = client.samplerate, client.blocksize
    frames = int(round(seconds * rate))
    # Room for the take, the settling before it and a margin; cycles stored as they come.
    max_cycles = (frames + 12 * rate) // block + 64
    audio = np.zeros((max_cycles, len(sources), block), dtype=np.float32)
    where = np.full(max_cycles, -1, dtype=np.int64)
    inputs = [client.inports.register(f"in_{i + 1}") for i in range(len(sources))]
    state = {"recording": False, "cycles": 0, "xruns": 0, "dead": False}
    done = threading.Event()

    @client.set_xrun_callback
    def xrun(_delay):
        state["xruns"] += 1

    @client.set_shutdown_callback
    def shutdown(_status, _reason):
        state["dead"] = True
        done.set()

    @client.set_process_callback
    def process(nframes):
        if not state["recording"]:
            return
        i = state["cycles"]
        if i >= max_cycles:
            state["recording"] = False
            done.set()
            return
        transport, position = client.transport_query_struct()
        if transport == jack.ROLLING:
            for c, port in enumerate(inputs):
                audio[i, c, :nframes] = port.get_array()
            where[i] = position.frame
            state["cycles"] = i + 1
            if position.frame + nframes >= frames:
                state["recording"] = False
                done.set()

    deadline = time.monotonic() + 60.0
    while not all(client.get_ports(name) for name in sources):
        if time.monotonic() > deadline:
            print(f"ports not found: {sources}", file=sys.stderr)
            return 2
        time.sleep(0.1)
    client.activate()
    for source, port in zip(sources, inputs):
        client.connect(source, port)
    # Stopped at frame 0; give the host a moment to follow the relocation, then roll.
    client.transport_stop()
    client.transport_frame = 0
    time.sleep(1.0)
    state["recording"] = True
    client.transport_start()
    done.wait(timeout=seconds + 30.0)
    client.transport_stop()
    time.sleep(0.05)
    client.deactivate()
    client.close()

    recording = np.zeros((len(sources), frames), dtype=np.float32)
    captured = np.zeros(frames, dtype=bool)
    for i in range(state["cycles"]):
        start = int(where[i])
        if 0 <= start < frames:
            n = min(block, frames - start)
            recording[:, start:start + n] = audio[i, :, :n]
            captured[start:start + n] = True
    recording.astype("<f4").tofile(prefix + ".f32")
    summary = {
        "rate": rate,
        "block": block,
        "frames": frames,
        "captured": int(captured.sum()),
        "xruns": state["xruns"],
        "rolled": state["cycles"] > 0,
    }
    with open(prefix + ".json", "w") as f:
        json.dump(summary, f)
    if state["dead"]:
        return 4
    if not summary["rolled"]:
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]))
