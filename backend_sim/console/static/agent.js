// The agent's side of a kiosk video call: queue, plain browser WebRTC, guide/text push, hang-up.
"use strict";
const $ = (id) => document.getElementById(id);
const STEPS = {
  attract: "待机 attract", home: "首页 home", guide: "办事指南 guide", consent: "告知同意 consent",
  card: "放置身份证 ID card", face: "人脸核验 face check", form: "填写 form", result: "查询结果 result",
  rate: "评价 rating", fallback: "其他方式 other ways", farewell: "取回身份证 take the card",
};
const ENDED = {
  citizen_hung_up: "市民已挂断 the citizen hung up", citizen_left: "市民连接中断 the citizen's connection dropped",
};
let ws = null, pc = null, local = null, localReady = null, config = { ice_servers: [], loopback_only: false };
let callStart = 0, timer = null;

function send(message) { if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message)); }

function connect() {
  ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/agent`);
  ws.onopen = () => { $("state").textContent = "在线 online"; };
  ws.onmessage = (event) => handle(JSON.parse(event.data)).catch((err) => console.error(err));
  ws.onclose = () => { $("state").textContent = "已断开 disconnected"; endCall("控制台连接中断 console connection lost"); setTimeout(connect, 2000); };
}

async function handle(m) {
  if (m.type === "queue") {
    config = m;
    $("hours").textContent = m.open ? "服务时间内 within hours" : "非服务时间 outside hours";
    $("queue").replaceChildren(...m.waiting.map((w) => {
      const li = document.createElement("li");
      li.textContent = `${w.service || "—"} · ${Math.round(w.waiting_s / 60)} min`;
      return li;
    }));
    $("take").disabled = pc !== null || m.waiting.length === 0;
  } else if (m.type === "call") {
    await startCall(m);
  } else if (m.type === "offer" && pc) {
    await answer(m.sdp);
  } else if (m.type === "context") {
    showContext(m);
  } else if (m.type === "form") {
    showForm(m.snapshot);
  } else if (m.type === "ended") {
    endCall(ENDED[m.reason] || m.reason);
  }
}

async function startCall(m) {
  $("last-ended").textContent = "";
  $("terminal").textContent = m.terminal;
  showContext(m.context);
  $("guides").replaceChildren(...m.services.map((s) => new Option(s.name, s.id)));
  $("form").hidden = true;
  $("call-panel").hidden = false;
  $("take").disabled = true;
  // The offer may arrive while the camera opens: the connection exists at once, media joins in answer().
  pc = new RTCPeerConnection({ iceServers: config.ice_servers });
  localReady = local ? Promise.resolve(local)
    : navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
  localReady.then((stream) => { local = stream; $("self").srcObject = stream; });
  const remote = new MediaStream();
  $("citizen").srcObject = remote;
  pc.ontrack = (event) => remote.addTrack(event.track);
  pc.onconnectionstatechange = () => { if (pc && pc.connectionState === "failed") endCall("网络中断 network lost"); };
  callStart = Date.now();
  timer = setInterval(() => {
    const s = Math.floor((Date.now() - callStart) / 1000);
    $("duration").textContent = `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
  }, 1000);
}

async function answer(offerSdp) {
  const call = pc;
  await call.setRemoteDescription({ type: "offer", sdp: offerSdp });
  const stream = await localReady;
  if (pc !== call) return;  // hung up meanwhile
  for (const track of stream.getTracks()) pc.addTrack(track, stream);
  await pc.setLocalDescription(await pc.createAnswer());
  // The kiosk (aiortc) takes no trickled candidates: send the answer once all are gathered.
  await new Promise((resolve) => {
    if (pc.iceGatheringState === "complete") return resolve();
    pc.addEventListener("icegatheringstatechange", () => { if (pc.iceGatheringState === "complete") resolve(); });
  });
  let sdp = pc.localDescription.sdp;
  if (config.loopback_only) {  // kiosk and browser on one machine: media stays on 127.0.0.1
    sdp = sdp.split("\r\n").filter((l) => !l.startsWith("a=candidate:") || / 127\.0\.0\.1 /.test(l)).join("\r\n");
  }
  send({ type: "answer", sdp });
}

function showContext(c) {
  $("service").textContent = c.service || "—";
  $("step").textContent = STEPS[c.step] || c.step || "—";
}

function showForm(snapshot) {
  $("form-table").replaceChildren(...Object.entries(snapshot).map(([k, v]) => {
    const tr = document.createElement("tr");
    for (const text of [k, String(v)]) { const td = document.createElement("td"); td.textContent = text; tr.append(td); }
    return tr;
  }));
  $("form").hidden = false;
}

function endCall(why) {
  if (!pc) return;
  pc.close();
  pc = null;
  clearInterval(timer);
  $("citizen").srcObject = null;
  $("form-table").replaceChildren();  // what the citizen showed is not kept after the call
  $("call-panel").hidden = true;
  $("last-ended").textContent = why ? `通话结束 Call ended: ${why}` : "";
  $("take").disabled = $("queue").children.length === 0;
}

$("take").onclick = () => { $("take").disabled = true; send({ type: "take" }); };
$("push-guide").onclick = () => send({ type: "guide", service_id: $("guides").value });
$("push-text").onclick = () => { const t = $("text").value.trim(); if (t) { send({ type: "text", text: t }); $("text").value = ""; } };
$("hangup").onclick = () => { send({ type: "hangup" }); endCall("已挂断 you hung up"); };
connect();
