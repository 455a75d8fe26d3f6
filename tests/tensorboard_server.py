"""A real `tensorboard` server on 127.0.0.1 for tests, read through its HTTP data API."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path


class TensorBoardServer:
    """Starts `tensorboard --logdir LOGDIR --port 0` and finds the port it printed.

    `--load_fast=false` keeps the data loading inside this one process (no Rust data server
    child), so stopping it leaves nothing behind; `--reload_interval 1` picks up new events fast.
    """

    def __init__(self, logdir, log_file):
        self.logdir = Path(logdir)
        self.log_file = Path(log_file)
        self.process = None
        self.url = None

    def start(self, timeout=90):
        script = Path(sys.executable).with_name("tensorboard")
        command = [str(script)] if script.exists() else [sys.executable, "-m", "tensorboard.main"]
        command += ["--logdir", str(self.logdir), "--host", "127.0.0.1", "--port", "0",
                    "--load_fast", "false", "--reload_interval", "1", "--samples_per_plugin", "images=100"]
        with open(self.log_file, "w") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            match = re.search(r"http://127\.0\.0\.1:(\d+)/", self.log_file.read_text())
            if match:
                self.url = f"http://127.0.0.1:{match.group(1)}"
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"tensorboard did not start:\n{self.log_file.read_text()[-3000:]}")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # its own session: only what we started
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def get(self, path, **params):
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        with urllib.request.urlopen(f"{self.url}{path}{query}", timeout=30) as response:
            body = response.read()
            return json.loads(body) if response.headers.get_content_type() == "application/json" else body

    def post(self, path, payload):
        request = urllib.request.Request(f"{self.url}{path}", data=json.dumps(payload).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def wait_for(self, fetch, ready, timeout=90):
        """Polls `fetch()` until `ready(result)`: the server loads event files in the background."""
        deadline, result = time.time() + timeout, None
        while time.time() < deadline:
            result = fetch()
            if ready(result):
                return result
            time.sleep(0.5)
        raise AssertionError(f"tensorboard never served the expected data; last answer: {result!r}")

    def scalar_tags(self, run="train"):
        return set(self.get("/data/plugin/scalars/tags").get(run, {}))

    def scalars(self, tag, run="train"):
        """[(step, value)] of one scalar tag."""
        return [(step, value) for _, step, value in self.get("/data/plugin/scalars/scalars", run=run, tag=tag)]

    def images(self, tag, run="train"):
        """[(step, png bytes)] of one image tag."""
        entries = self.get("/data/plugin/images/images", run=run, tag=tag, sample=0)
        return [(e["step"], self.get("/data/plugin/images/individualImage?" + e["query"])) for e in entries]
