// Draws every dashboard figure with the vendored Chart.js; marks each canvas when drawn.
(function () {
  const figures = JSON.parse(document.getElementById("dashboard-data").textContent);
  const palette = ["#c0392b", "#2c7fb8", "#f39c12", "#27ae60", "#8e44ad", "#7f8c8d", "#16a085", "#d35400"];
  for (const f of figures) {
    const canvas = document.getElementById("chart-" + f.key);
    if (!canvas) continue;
    const datasets = f.datasets.map((d, i) => Object.assign({}, d, {
      backgroundColor: f.kind === "doughnut" ? palette : palette[i % palette.length],
    }));
    const chart = new Chart(canvas, {
      type: f.kind,
      data: { labels: f.labels, datasets: datasets },
      options: {
        animation: false,
        responsive: true,
        scales: f.kind === "doughnut" ? {} : { x: { stacked: f.stacked }, y: { stacked: f.stacked, beginAtZero: true } },
      },
    });
    canvas.dataset.drawn = String(chart.data.datasets.reduce((n, d) => n + d.data.length, 0));
    const total = f.datasets.reduce((n, d) => n + d.data.reduce((a, v) => a + Math.abs(v), 0), 0);
    canvas.dataset.total = String(total);
    if (total === 0) {  // an all-zero chart draws nothing: say so
      const note = document.createElement("p");
      note.className = "empty";
      note.textContent = "暂无数据";
      canvas.after(note);
    }
  }
})();
