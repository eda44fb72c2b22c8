// The few behaviours that need a script (the pages work without it): printing, and the camera on
// the check-in page, where the phone's browser can read QR codes (BarcodeDetector).
document.addEventListener("click", (ev) => {
  if (ev.target.closest("[data-print]")) window.print();
});

const scan = document.getElementById("scan");
if (scan) {
  scan.addEventListener("click", async () => {
    const say = document.getElementById("scan-note");
    if (!("BarcodeDetector" in window)) {
      say.textContent = "Peramban ini tidak dapat memindai kode QR; ketik kodenya atau cari nama peserta.";
      return;
    }
    const video = document.getElementById("cam");
    video.hidden = false;
    video.srcObject = await navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}});
    await video.play();
    const detector = new BarcodeDetector({formats: ["qr_code"]});
    let last = "";
    setInterval(async () => {
      const codes = await detector.detect(video).catch(() => []);
      if (codes.length && codes[0].rawValue !== last) {
        last = codes[0].rawValue;
        const form = document.getElementById("by-code");
        form.querySelector("[name=token]").value = last;
        form.requestSubmit();
      }
    }, 500);
  });
}

// The invitee builder: an ormas ticked among the names found moves to the chosen list, so that a
// new search keeps it (without a script, tick and save before searching again).
document.addEventListener("change", (ev) => {
  const box = ev.target.closest("#ditemukan input[name=ormas_id]");
  const chosen = document.getElementById("pilihan");
  if (box && box.checked && chosen) {
    chosen.querySelector(".empty")?.remove();
    chosen.appendChild(box.closest("li"));
  }
});

// "Pilih semua yang belum menjawab" on the participants table.
document.addEventListener("click", (ev) => {
  const all = ev.target.closest("[data-pick-pending]");
  if (!all) return;
  document.querySelectorAll("input[name=participant_id][data-pending]").forEach((b) => { b.checked = true; });
});
