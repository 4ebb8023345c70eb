"""Helpers for the video call tests: a headless Chromium driven over the DevTools protocol, a
tone as the kiosk's microphone, and waiting with a deadline. The stand-in agent without media is
:class:`backend_sim.console.robot.ConsoleAgent`.

Chromium is Debian's ``chromium`` with fake media devices (a moving test picture and the tone
file given here as its microphone); everything listens and connects on 127.0.0.1 only.
"""
from __future__ import annotations

import asyncio
import json
import math
import shutil
import struct
import subprocess
import tempfile
import threading
import time
import urllib.request
import wave
from pathlib import Path
from typing import Any, Callable

import aiohttp
import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (scripts/bootstrap.sh)")


def until(predicate: Callable[[], Any], timeout: float = 15.0, what: str = "the condition") -> Any:
    """Poll ``predicate`` every 50 ms until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    event = threading.Event()
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        event.wait(0.05)


def write_tone(path: Path, frequency: float = 440.0, seconds: float = 3.0, rate: int = 48000) -> Path:
    """A mono 16-bit WAV sine tone at half of full scale (RMS about 11600)."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"".join(struct.pack("<h", int(16000 * math.sin(2 * math.pi * frequency * i / rate)))
                                 for i in range(int(seconds * rate))))
    return path


class Browser:
    """A headless Chromium with one page, evaluated through the DevTools protocol."""

    def __init__(self, fake_audio: Path) -> None:
        self.profile = Path(tempfile.mkdtemp(prefix="chromium-"))
        self.process = subprocess.Popen(
            [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", f"--user-data-dir={self.profile}",
             "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
             f"--use-file-for-fake-audio-capture={fake_audio}", "--autoplay-policy=no-user-gesture-required",
             "--allow-loopback-in-peer-connection", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--disable-default-apps", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = self.profile / "DevToolsActivePort"
        until(port_file.exists, 30, "Chromium's DevTools port")
        port = int(until(lambda: port_file.read_text().split("\n")[0], 5, "the port number"))
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as reply:
            pages = [t for t in json.load(reply) if t["type"] == "page"]
        self.ws_url = pages[0]["webSocketDebuggerUrl"]
        self._ids = iter(range(1, 1_000_000))

    def evaluate(self, expression: str, timeout: float = 20.0) -> Any:
        """Evaluate ``expression`` in the page (promises awaited) and return its JSON value."""
        return asyncio.run(asyncio.wait_for(self._evaluate(expression), timeout))

    async def _evaluate(self, expression: str) -> Any:
        async with aiohttp.ClientSession() as http, http.ws_connect(self.ws_url, max_msg_size=0) as ws:
            ident = next(self._ids)
            await ws.send_json({"id": ident, "method": "Runtime.evaluate",
                                "params": {"expression": expression, "awaitPromise": True, "returnByValue": True}})
            async for raw in ws:
                reply = json.loads(raw.data)
                if reply.get("id") == ident:
                    result = reply["result"]
                    if "exceptionDetails" in result:
                        raise AssertionError(f"page error: {result['exceptionDetails']}")
                    return result["result"].get("value")
        raise AssertionError("DevTools closed the connection")

    def open(self, url: str) -> None:
        self.evaluate(f"location.href = {json.dumps(url)}")
        until(lambda: self._ready(url), 15, f"{url} to load")

    def _ready(self, url: str) -> bool:
        try:
            return self.evaluate("document.readyState + ' ' + location.href") == f"complete {url}"
        except (AssertionError, aiohttp.ClientError, asyncio.TimeoutError):
            return False

    def click(self, element_id: str) -> None:
        self.evaluate(f"document.getElementById({json.dumps(element_id)}).click()")

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


# Injected into the console page by the tests: what the agent sees and hears of the citizen,
# measured on decoded pixels and samples.
PROBE_JS = """
(async () => {
  const video = document.getElementById("citizen");
  if (!video.srcObject || video.videoWidth === 0) return null;
  const canvas = document.createElement("canvas");
  canvas.width = 64; canvas.height = 48;
  const ctx = canvas.getContext("2d");
  const sample = () => { ctx.drawImage(video, 0, 0, 64, 48); return ctx.getImageData(0, 0, 64, 48).data; };
  const first = sample();
  await new Promise((r) => setTimeout(r, 400));
  const second = sample();
  let sum = 0, diff = 0;
  for (let i = 0; i < first.length; i += 4) { sum += second[i] + second[i + 1] + second[i + 2]; diff += Math.abs(second[i] - first[i]); }
  if (!window.__probeAudio) {
    const ac = new AudioContext();
    const analyser = ac.createAnalyser();
    analyser.fftSize = 2048;
    ac.createMediaStreamSource(video.srcObject).connect(analyser);
    window.__probeAudio = { ac, analyser };
  }
  await window.__probeAudio.ac.resume();
  let peak = 0;
  const buffer = new Float32Array(2048);
  for (let n = 0; n < 10; n++) {
    window.__probeAudio.analyser.getFloatTimeDomainData(buffer);
    let s = 0; for (const x of buffer) s += x * x;
    peak = Math.max(peak, Math.sqrt(s / buffer.length));
    await new Promise((r) => setTimeout(r, 50));
  }
  return { width: video.videoWidth, height: video.videoHeight, mean: sum / (first.length / 4) / 3,
           change: diff / (first.length / 4), audio_rms: peak };
})()
"""
