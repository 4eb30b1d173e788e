/* Leaders' dashboard (owner: dash): draws the charts (ECharts) from the series the page hands
 * over in <script type="application/json" id="dashboard-charts">, and the map (Leaflet) from the
 * GeoJSON of /api/v1/dashboard/map/, over the portal's basemap (static/js/map.js: Tianditu, an
 * XYZ server or none; with none the map draws reaches and markers on a plain background and fits
 * to them). Positions arrive already in the tiles' datum (the server converts WGS-84 to GCJ-02
 * when MAP_TILE_CRS says so). */
(function () {
  "use strict";

  function readJSON(id) {
    var node = document.getElementById(id);
    if (!node) return null;
    try {
      return JSON.parse(node.textContent);
    } catch (e) {
      return null;
    }
  }

  // --- period picker: the month fields only matter for a custom period -------------------------

  function setupPeriodPicker() {
    var select = document.getElementById("id_period");
    var months = document.querySelector("[data-custom-months]");
    if (!select || !months) return;
    function sync() {
      months.hidden = select.value !== "custom";
    }
    select.addEventListener("change", sync);
    sync();
  }

  // --- charts ---------------------------------------------------------------------------------

  var BLUE = "#0b5c8a";
  var ORANGE = "#ef6c00";
  var GREEN = "#2e7d32";

  function percent(value) {
    return value === null || value === undefined ? "—" : Math.round(value * 1000) / 10 + "%";
  }

  function emptyOption(text) {
    return {
      title: {
        text: text,
        left: "center",
        top: "middle",
        textStyle: { color: "#55636d", fontSize: 14, fontWeight: "normal" },
      },
    };
  }

  function monthsOption(series, labels) {
    var months = series.months || [];
    return {
      tooltip: { trigger: "axis" },
      legend: { data: [labels.patrols, labels.issues_found], bottom: 0 },
      grid: { left: 50, right: 50, top: 20, bottom: 50 },
      xAxis: { type: "category", data: months.map(function (m) { return m.month; }) },
      yAxis: [
        { type: "value", name: labels.patrols, minInterval: 1 },
        { type: "value", name: labels.issues_found, minInterval: 1, splitLine: { show: false } },
      ],
      series: [
        {
          name: labels.patrols,
          type: "bar",
          itemStyle: { color: BLUE },
          data: months.map(function (m) { return m.patrols; }),
        },
        {
          name: labels.issues_found,
          type: "line",
          yAxisIndex: 1,
          itemStyle: { color: ORANGE },
          data: months.map(function (m) { return m.issues_found; }),
        },
      ],
    };
  }

  function categoryOption(series, labels) {
    var rows = (series.by_category || []).filter(function (r) { return r.n > 0; });
    if (!rows.length) return emptyOption(labels.empty);
    return {
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      legend: { type: "scroll", bottom: 0 },
      series: [
        {
          name: labels.issues,
          type: "pie",
          radius: ["35%", "65%"],
          center: ["50%", "45%"],
          data: rows.map(function (r) { return { name: r.label, value: r.n }; }),
        },
      ],
    };
  }

  function statusOption(series, labels) {
    var rows = series.by_status || [];
    if (!rows.some(function (r) { return r.n > 0; })) return emptyOption(labels.empty);
    return {
      tooltip: { trigger: "axis" },
      grid: { left: 50, right: 20, top: 20, bottom: 40 },
      xAxis: { type: "category", data: rows.map(function (r) { return r.label; }) },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        {
          name: labels.issues,
          type: "bar",
          data: rows.map(function (r) { return { value: r.n, itemStyle: { color: r.colour } }; }),
        },
      ],
    };
  }

  function rankingOption(rows, labels, colour, detail) {
    rows = (rows || []).filter(function (r) { return r.rate !== null; });
    if (!rows.length) return emptyOption(labels.empty);
    var shown = rows.slice().reverse(); // best on top
    return {
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        formatter: function (items) {
          var row = shown[items[0].dataIndex];
          return row.name + "\n" + percent(row.rate) + " (" + detail(row) + ")";
        },
      },
      grid: { left: 110, right: 50, top: 10, bottom: 30 },
      xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", data: shown.map(function (r) { return r.name; }) },
      series: [
        {
          name: labels.rate,
          type: "bar",
          itemStyle: { color: colour },
          label: { show: true, position: "right", formatter: function (p) { return p.value + "%"; } },
          data: shown.map(function (r) { return Math.round(r.rate * 1000) / 10; }),
        },
      ],
    };
  }

  function drawCharts() {
    var data = readJSON("dashboard-charts");
    if (!data || typeof window.echarts === "undefined") return;
    var series = data.series;
    var labels = data.labels;
    var options = {
      months: function () { return monthsOption(series, labels); },
      by_category: function () { return categoryOption(series, labels); },
      by_status: function () { return statusOption(series, labels); },
      patrol_ranking: function () {
        return rankingOption(series.patrol_ranking, labels, BLUE, function (r) {
          return r.counted + " / " + r.required;
        });
      },
      resolution_ranking: function () {
        return rankingOption(series.resolution_ranking, labels, GREEN, function (r) {
          return r.closed + " / " + r.found;
        });
      },
    };
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (node) {
      var build = options[node.getAttribute("data-chart")];
      if (!build) return;
      var rows = node.getAttribute("data-chart").indexOf("ranking") >= 0
        ? (series[node.getAttribute("data-chart")] || []).length : 0;
      if (rows > 12) node.style.height = Math.min(2000, 60 + rows * 28) + "px";
      var chart = window.echarts.init(node, null, { renderer: "canvas" });
      var option = build();
      // Tooltips drawn on the canvas, not as HTML: ECharts' HTML tooltips carry style=""
      // attributes the Content-Security-Policy refuses, and names never reach innerHTML.
      if (option.tooltip) option.tooltip.renderMode = "richText";
      chart.setOption(option);
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }

  // --- map ------------------------------------------------------------------------------------

  function escapeHTML(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function pointPopup(props, config) {
    var labels = config.labels;
    var html = "<strong>" + escapeHTML(props.name) + "</strong>";
    if (props.grade) {
      html += '<br><span class="badge grade-' + escapeHTML(props.grade) + '">' +
        escapeHTML(props.grade_label) + "</span> " + escapeHTML(props.status_label);
      html += "<br>" + escapeHTML(labels.sampled) + "：" + escapeHTML(props.sampled_on);
      html += "<br>" + escapeHTML(labels.target) + "：" + escapeHTML(props.target_label) + "，" +
        escapeHTML(props.meets_target ? labels.meets : labels.misses);
    } else {
      html += "<br>" + escapeHTML(labels.ungraded);
      html += "<br>" + escapeHTML(labels.target) + "：" + escapeHTML(props.target_label);
    }
    if (props.url) {
      html += '<br><a href="' + escapeHTML(props.url) + '">' + escapeHTML(labels.open_point) + "</a>";
    }
    return html;
  }

  function popup(props, config) {
    if (props.layer === "points") return pointPopup(props, config);
    var html = "<strong>" + escapeHTML(props.name) + "</strong>";
    if (props.status_label) html += "<br>" + escapeHTML(props.status_label);
    if (props.kind) html += "<br>" + escapeHTML(props.kind);
    if (props.url) {
      html += '<br><a href="' + escapeHTML(props.url) + '">' + escapeHTML(config.labels.open) + "</a>";
    }
    return html;
  }

  function drawMap() {
    var config = readJSON("dashboard-map-config");
    var node = document.getElementById("dashboard-map");
    var status = document.querySelector("[data-map-status]");
    if (!config || !node || typeof window.L === "undefined" || !window.PortalMap) return;
    var L = window.L;
    // The portal's one basemap (map.js, core.maps): Tianditu, an XYZ server or none.
    var map = window.PortalMap.create(node, config.map);
    var layers = {
      reaches: L.layerGroup().addTo(map),
      issues: L.layerGroup().addTo(map),
      outfalls: L.layerGroup().addTo(map),
      signs: L.layerGroup().addTo(map),
      points: L.layerGroup().addTo(map),
    };
    var signIcon = L.divIcon({ className: "sign-marker", iconSize: [10, 10] });

    function add(feature) {
      var props = feature.properties || {};
      var group = layers[props.layer];
      if (!group) return;
      var geometry = feature.geometry || {};
      var layer;
      if (geometry.type === "LineString") {
        layer = L.polyline(
          geometry.coordinates.map(function (c) { return [c[1], c[0]]; }),
          { color: "#1e88e5", weight: 4, opacity: 0.85 }
        );
      } else if (geometry.type === "Point") {
        var at = [geometry.coordinates[1], geometry.coordinates[0]];
        if (props.layer === "issues") {
          layer = L.circleMarker(at, {
            radius: props.overdue ? 8 : 6,
            color: "#ffffff",
            weight: 1.5,
            fillColor: props.colour || config.colours.reported,
            fillOpacity: 0.95,
          });
        } else if (props.layer === "outfalls") {
          layer = L.circleMarker(at, {
            radius: 5, color: "#5d4037", weight: 3, fillColor: "#ffffff", fillOpacity: 1,
          });
        } else if (props.layer === "points") {
          // Coloured by the .grade-* classes (/water/grades.css), as the badges are.
          var grade = props.grade || "none";
          var icon = L.divIcon({
            className: "grade-marker grade-" + grade + (props.meets_target === false ? " misses" : ""),
            iconSize: [16, 16],
          });
          layer = L.marker(at, {
            icon: icon,
            title: props.name + (props.grade_label ? " " + props.grade_label : ""),
            alt: props.name,
          });
        } else {
          layer = L.marker(at, { icon: signIcon, keyboard: false, title: props.name });
        }
      }
      if (!layer) return;
      layer.bindPopup(popup(props, config));
      group.addLayer(layer);
    }

    document.querySelectorAll("[data-map-legend] input[data-layer]").forEach(function (box) {
      box.addEventListener("change", function () {
        var group = layers[box.getAttribute("data-layer")];
        if (!group) return;
        if (box.checked) map.addLayer(group);
        else map.removeLayer(group);
      });
    });

    fetch(config.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (collection) {
        (collection.features || []).forEach(add);
        var bounds = L.latLngBounds([]);
        Object.keys(layers).forEach(function (name) {
          layers[name].eachLayer(function (layer) {
            bounds.extend(layer.getBounds ? layer.getBounds() : layer.getLatLng());
          });
        });
        if (bounds.isValid()) {
          map.fitBounds(bounds, { padding: [20, 20], maxZoom: 16 });
        } else if (status) {
          status.textContent = config.labels.empty;
        }
        node.setAttribute("data-loaded", String((collection.features || []).length));
      })
      .catch(function () {
        if (status) status.textContent = config.labels.failed;
        node.setAttribute("data-loaded", "error");
      });
  }

  function start() {
    setupPeriodPicker();
    drawCharts();
    drawMap();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
