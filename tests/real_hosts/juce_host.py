#!/usr/bin/env python3
"""Drives one JUCE-based VST3 host, pedalboard or DawDreamer, through a list of steps.

Test tooling for `tests/real_hosts.rs`: it only does what a user of the host would do (load
the bundle, set parameters by name, process audio, save and restore the state) and reports
what the host says. Every judgement is made by the Rust test, with the project's own
measurements.

usage: juce_host.py JOB.json

The job: {"host": "pedalboard" | "dawdreamer", "bundle": PATH, "rate": HZ, "block": FRAMES,
"steps": [STEP, ...]}. Steps, each answered by one entry of "results":
  {"op": "parameters"}                         -> the parameter names the host shows
  {"op": "set", "name": N, "value": V}         -> the value the host reads back (and its text)
  {"op": "get", "name": N}                     -> the same, without setting
  {"op": "process", "input": F, "output": F}   -> runs F (planar little-endian f32, 2 channels)
  {"op": "latency"}                            -> the latency the host reports, in samples
  {"op": "save_state", "path": F}              -> the host's saved state, written to F
  {"op": "reload"}                             -> a fresh instance of the plug-in
  {"op": "load_state", "path": F}              -> the state in F, restored through the host
Prints {"host", "version", "results"} as JSON on stdout; any error exits non-zero.
"""

import importlib.metadata
import json
import sys

import numpy as np


def read_audio(path):
    """Planar little-endian f32, two channels."""
    return np.fromfile(path, dtype="<f4").reshape(2, -1)


def write_audio(path, audio):
    np.ascontiguousarray(audio, dtype="<f4").tofile(path)


def plain(value):
    """A host's parameter value as JSON can carry it (pedalboard wraps its values: a
    boolean parameter reads as a `WrappedBool`, which is not a `bool`)."""
    if isinstance(value, (bool, int, float, str)):
        return value
    if str(value) in ("True", "False"):
        return str(value) == "True"
    return str(value)


class Pedalboard:
    """Spotify's pedalboard: parameters are attributes with plain values, by snake-case name;
    it compensates the reported latency itself."""

    def __init__(self, bundle, rate, block):
        import pedalboard

        self.module = pedalboard
        self.bundle, self.rate, self.block = bundle, rate, block
        self.plugin = pedalboard.load_plugin(bundle)

    def parameters(self):
        return list(self.plugin.parameters.keys())

    def get(self, name):
        if name not in self.plugin.parameters:
            raise KeyError(f"no parameter named {name!r}")
        return {"value": plain(getattr(self.plugin, name))}

    def set(self, name, value):
        if name not in self.plugin.parameters:
            raise KeyError(f"no parameter named {name!r}")
        setattr(self.plugin, name, value)
        return self.get(name)

    def process(self, audio):
        return self.plugin.process(audio, self.rate, buffer_size=self.block, reset=True)

    def latency(self):
        return self.plugin.reported_latency_samples

    def save_state(self, path):
        with open(path, "wb") as f:
            f.write(bytes(self.plugin.raw_state))

    def load_state(self, path):
        with open(path, "rb") as f:
            self.plugin.raw_state = f.read()

    def reload(self):
        self.plugin = self.module.load_plugin(self.bundle)


class DawDreamer:
    """DawDreamer: parameters by display name and index, set normalized (0..1); it reports the
    latency but does not compensate it."""

    def __init__(self, bundle, rate, block):
        import dawdreamer

        self.module = dawdreamer
        self.bundle, self.rate, self.block = bundle, rate, block
        self.engine = dawdreamer.RenderEngine(rate, block)
        self.instances = 0
        self.reload()

    def reload(self):
        self.instances += 1
        self.plugin = self.engine.make_plugin_processor(f"plugin{self.instances}", self.bundle)
        self.names = [d["name"] for d in self.plugin.get_parameters_description()]

    def parameters(self):
        return list(self.names)

    def index(self, name):
        if name not in self.names:
            raise KeyError(f"no parameter named {name!r}")
        return self.names.index(name)

    def get(self, name):
        i = self.index(name)
        return {"value": self.plugin.get_parameter(i), "text": self.plugin.get_parameter_text(i)}

    def set(self, name, value):
        self.plugin.set_parameter(self.index(name), float(value))
        return self.get(name)

    def process(self, audio):
        frames = audio.shape[1]
        playback = self.engine.make_playback_processor("input", np.ascontiguousarray(audio))
        self.engine.load_graph([(playback, []), (self.plugin, ["input"])])
        self.engine.render(frames / self.rate)
        return self.engine.get_audio()[:, :frames]

    def latency(self):
        return self.plugin.get_latency_samples()

    def save_state(self, path):
        self.plugin.save_state(path)

    def load_state(self, path):
        self.plugin.load_state(path)


HOSTS = {"pedalboard": Pedalboard, "dawdreamer": DawDreamer}


def run(job):
    host = HOSTS[job["host"]](job["bundle"], job["rate"], job["block"])
    results = []
    for step in job["steps"]:
        op = step["op"]
        if op == "parameters":
            results.append(host.parameters())
        elif op == "set":
            results.append(host.set(step["name"], step["value"]))
        elif op == "get":
            results.append(host.get(step["name"]))
        elif op == "process":
            out = host.process(read_audio(step["input"]))
            write_audio(step["output"], out)
            results.append(int(out.shape[1]))
        elif op == "latency":
            results.append(int(host.latency()))
        elif op == "save_state":
            host.save_state(step["path"])
            results.append(None)
        elif op == "load_state":
            host.load_state(step["path"])
            results.append(None)
        elif op == "reload":
            host.reload()
            results.append(None)
        else:
            raise ValueError(f"unknown step {op!r}")
    return {
        "host": job["host"],
        "version": importlib.metadata.version(job["host"]),
        "results": results,
    }


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        job = json.load(f)
    print(json.dumps(run(job)))
