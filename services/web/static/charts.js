// The dashboard's monthly charts, drawn by Chart.js from the figures the page carries as JSON
// (the same figures are in the table under each chart).
document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
  const data = JSON.parse(document.getElementById(canvas.dataset.chart).textContent);
  new Chart(canvas, {
    type: "bar",
    data: {labels: data.labels, datasets: [{label: "Jumlah", data: data.values, backgroundColor: data.color}]},
    options: {
      animation: false, responsive: true, maintainAspectRatio: false,
      plugins: {legend: {display: false}},
      scales: {x: {ticks: {autoSkip: true, maxRotation: 0}}, y: {beginAtZero: true, ticks: {precision: 0}}},
    },
  });
});
