// The shared workshop timer: counts down in the browser between server refreshes.
// The server sends the milliseconds left at render time, so clocks need not agree.
export default function (component) {
  const { data, parentElement } = component;
  let face = parentElement.querySelector(".jm-timer");
  if (!face) {
    face = document.createElement("div");
    face.className = "jm-timer";
    face.setAttribute("role", "timer");
    parentElement.appendChild(face);
  }
  const state = parentElement.__jmTimer || (parentElement.__jmTimer = {});
  if (state.interval) clearInterval(state.interval);
  const end = performance.now() + data.left_ms;
  const show = () => {
    const left = Math.max(0, data.running ? end - performance.now() : data.left_ms);
    const seconds = Math.ceil(left / 1000);
    const text = Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
    face.textContent = "\u23F1 " + text + (data.running ? "" : " (paused)") + (left === 0 ? " \u2014 time is up" : "");
    face.classList.toggle("jm-up", left === 0);
    face.classList.toggle("jm-soon", left > 0 && left <= 30000);
  };
  show();
  if (data.running) state.interval = setInterval(show, 250);
  return () => clearInterval(state.interval);
}
