/* The portal's maps (Leaflet, vendored): one basemap for every map, and the small map of a
 * place on a record's page (templates/includes/place_map.html).
 *
 * window.PortalMap is shared by the dashboard (dashboard.js) and the phone patrol page
 * (patrols/track-map.js):
 *   create(node, mapConfig)     a Leaflet map on node with the configured basemap
 *   addBasemap(map, mapConfig)  the tile layers of core.maps.basemap_config(), base then labels
 *   style(role)                 how a feature of that role is drawn
 *   toCrs(lat, lon, crs)        a WGS-84 position in the basemap's datum (GCJ-02 when asked)
 *
 * No basemap configured: no tile layer at all, the geometry draws on the plain background. A
 * page opened offline asks for no tiles until the browser is online again; a tile that fails
 * stays invisible (Leaflet shows only loaded tiles), so the background stays plain.
 * Every page map is found by [data-map-source], the id of its json_script data. */
(function () {
  "use strict";

  var STYLES = {
    reach: { kind: "line", color: "#1e88e5", weight: 6, opacity: 0.5 },
    raw: { kind: "line", color: "#546e7a", weight: 2, opacity: 0.85, dashArray: "4 6" },
    track: { kind: "line", color: "#d84315", weight: 4, opacity: 0.95 },
    dropped: { kind: "point", radius: 5, color: "#b71c1c", weight: 2, fillColor: "#ffffff", fillOpacity: 1 },
    finding: { kind: "point", radius: 6, color: "#ffffff", weight: 1.5, fillColor: "#8e24aa", fillOpacity: 1 },
    start: { kind: "point", radius: 7, color: "#ffffff", weight: 2, fillColor: "#2e7d32", fillOpacity: 1 },
    end: { kind: "point", radius: 7, color: "#ffffff", weight: 2, fillColor: "#37474f", fillOpacity: 1 },
    place: { kind: "point", radius: 8, color: "#ffffff", weight: 2, fillColor: "#ef6c00", fillOpacity: 1 },
  };
  var DEFAULT_CENTRE = [34.75, 113.65];
  var DRIFT = ["raw", "dropped"];

  function style(role) {
    var found = STYLES[role] || STYLES.place;
    var copy = {};
    Object.keys(found).forEach(function (key) {
      if (key !== "kind") copy[key] = found[key];
    });
    return copy;
  }

  function readJSON(id) {
    var node = document.getElementById(id);
    if (!node) return null;
    try {
      return JSON.parse(node.textContent);
    } catch (e) {
      return null;
    }
  }

  function escapeHTML(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  // --- WGS-84 to GCJ-02, as core/geo.py (positions the phone records live) ---------------------

  var A = 6378245.0;
  var EE = 0.00669342162296594323;

  function shiftLat(x, y) {
    var v = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    v += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2) / 3;
    v += ((20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin((y / 3.0) * Math.PI)) * 2) / 3;
    v += ((160.0 * Math.sin((y / 12.0) * Math.PI) + 320.0 * Math.sin((y * Math.PI) / 30.0)) * 2) / 3;
    return v;
  }

  function shiftLon(x, y) {
    var v = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    v += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2) / 3;
    v += ((20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin((x / 3.0) * Math.PI)) * 2) / 3;
    v += ((150.0 * Math.sin((x / 12.0) * Math.PI) + 300.0 * Math.sin((x / 30.0) * Math.PI)) * 2) / 3;
    return v;
  }

  function toCrs(lat, lon, crs) {
    if (crs !== "gcj02") return [lat, lon];
    if (!(lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271)) return [lat, lon];
    var dLat = shiftLat(lon - 105.0, lat - 35.0);
    var dLon = shiftLon(lon - 105.0, lat - 35.0);
    var rad = (lat / 180.0) * Math.PI;
    var magic = 1 - EE * Math.sin(rad) * Math.sin(rad);
    var sqrtMagic = Math.sqrt(magic);
    dLat = (dLat * 180.0) / (((A * (1 - EE)) / (magic * sqrtMagic)) * Math.PI);
    dLon = (dLon * 180.0) / ((A / sqrtMagic) * Math.cos(rad) * Math.PI);
    return [lat + dLat, lon + dLon];
  }

  // --- the basemap ------------------------------------------------------------------------------

  function addBasemap(map, mapConfig) {
    var L = window.L;
    var tiles = (mapConfig && mapConfig.tiles) || [];
    if (!tiles.length) return;
    function add() {
      tiles.forEach(function (layer) {
        var options = { maxZoom: layer.maxZoom || 18, attribution: layer.attribution || "" };
        if (layer.subdomains) options.subdomains = layer.subdomains;
        if (layer.overlay) options.zIndex = 2;
        L.tileLayer(layer.url, options).addTo(map);
      });
    }
    if (navigator.onLine === false) {
      // Offline: no tile requests now; the basemap comes when the signal does.
      window.addEventListener("online", add, { once: true });
    } else {
      add();
    }
  }

  function create(node, mapConfig, options) {
    var L = window.L;
    var hasTiles = Boolean(mapConfig && mapConfig.tiles && mapConfig.tiles.length);
    var settings = { zoomControl: true, attributionControl: hasTiles };
    Object.keys(options || {}).forEach(function (key) {
      settings[key] = options[key];
    });
    var map = L.map(node, settings);
    map.setView(DEFAULT_CENTRE, 11);
    if (map.attributionControl) map.attributionControl.setPrefix(false);
    addBasemap(map, mapConfig);
    return map;
  }

  // --- a place's map ----------------------------------------------------------------------------

  function featureLayer(feature) {
    var L = window.L;
    var geometry = feature.geometry || {};
    var props = feature.properties || {};
    var options = style(props.role);
    var kind = (STYLES[props.role] || STYLES.place).kind;
    var layer = null;
    if (geometry.type === "LineString") {
      layer = L.polyline(
        (geometry.coordinates || []).map(function (c) { return [c[1], c[0]]; }),
        options
      );
    } else if (geometry.type === "Point" && kind === "point") {
      layer = L.circleMarker([geometry.coordinates[1], geometry.coordinates[0]], options);
    }
    if (layer && props.name) layer.bindTooltip(escapeHTML(props.name));
    if (layer) layer.feature = feature;
    return layer;
  }

  function fit(map, group) {
    var bounds = group.getBounds();
    if (!bounds.isValid()) return;
    if (bounds.getNorthEast().equals(bounds.getSouthWest())) {
      map.setView(bounds.getCenter(), 16);
    } else {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 17 });
    }
  }

  function drawPlace(node) {
    var data = readJSON(node.getAttribute("data-map-source"));
    if (!data || typeof window.L === "undefined") return;
    var map = create(node, data.map);
    var group = window.L.featureGroup().addTo(map);
    // The view fits the place itself: drift (the raw track, dropped fixes) may lie kilometres
    // off and would shrink the track to a dot; it is drawn, and zooming out shows it.
    var focus = window.L.featureGroup();
    var drawn = 0;
    ((data.features && data.features.features) || []).forEach(function (feature) {
      var layer = featureLayer(feature);
      if (!layer) return;
      group.addLayer(layer);
      if (DRIFT.indexOf((feature.properties || {}).role) < 0) focus.addLayer(layer);
      drawn += 1;
    });
    fit(map, focus.getLayers().length ? focus : group);
    node.setAttribute("data-drawn", String(drawn));
  }

  window.PortalMap = {
    create: create,
    addBasemap: addBasemap,
    style: style,
    toCrs: toCrs,
    fit: fit,
    featureLayer: featureLayer,
    readJSON: readJSON,
    escapeHTML: escapeHTML,
  };

  function start() {
    document.querySelectorAll("[data-map-source]").forEach(drawPlace);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
