/*
 * The live map of the phone patrol page: the chosen reach and the track as it is recorded.
 *
 * phone.js owns the patrol; it calls self.PatrolTrackMap.reset(reachId, points) when it (re)loads
 * the patrol in progress from IndexedDB and .add(point) for every fix it records. Everything here
 * is drawing only: nothing is stored, nothing is sent. Leaflet, map.js and this file are stored
 * by the service worker, so the map draws with no signal; tiles come only when a basemap is
 * configured and the phone is online (map.js), otherwise the track draws on a plain background.
 * The data (#patrol-map-config): the basemap and each of the chief's reaches as [lon, lat] pairs
 * in the basemap's datum.
 */
"use strict";

(function () {
  const FOLLOW_PADDING = 0.2; // fraction of the view kept around the newest fix

  let map = null;
  let reachLayer = null;
  let trackLine = null;
  let here = null;
  let config = null;
  let count = 0;

  function node() {
    return document.getElementById("patrol-map");
  }

  function ready() {
    return Boolean(node() && self.L && self.PortalMap);
  }

  function readConfig() {
    if (config === null) {
      config = self.PortalMap.readJSON("patrol-map-config") || { map: null, reaches: {} };
    }
    return config;
  }

  function latLng(point) {
    return self.PortalMap.toCrs(point.lat, point.lon, (readConfig().map || {}).crs);
  }

  function fitAll() {
    if (!map) {
      return;
    }
    const group = self.L.featureGroup();
    if (reachLayer) {
      group.addLayer(reachLayer);
    }
    if (count) {
      group.addLayer(trackLine);
    }
    self.PortalMap.fit(map, group);
  }

  function ensureMap() {
    if (map || !ready()) {
      return map;
    }
    const L = self.L;
    map = self.PortalMap.create(node(), readConfig().map);
    trackLine = L.polyline([], self.PortalMap.style("track")).addTo(map);
    here = L.circleMarker([0, 0], self.PortalMap.style("end"));
    // The map is built while its panel may be hidden: measure again when it is shown.
    if (self.ResizeObserver) {
      new ResizeObserver(() => {
        map.invalidateSize();
        fitAll();
      }).observe(node());
    }
    return map;
  }

  function reset(reachId, points) {
    if (!ensureMap()) {
      return;
    }
    const L = self.L;
    if (reachLayer) {
      map.removeLayer(reachLayer);
      reachLayer = null;
    }
    const line = reachId == null ? null : readConfig().reaches[String(reachId)];
    if (line && line.length >= 2) {
      reachLayer = L.polyline(
        line.map((c) => [c[1], c[0]]),
        self.PortalMap.style("reach"),
      ).addTo(map);
      reachLayer.bringToBack();
    }
    const latLngs = (points || []).map(latLng);
    trackLine.setLatLngs(latLngs);
    count = latLngs.length;
    if (count) {
      here.setLatLng(latLngs[count - 1]).addTo(map);
    } else {
      here.remove();
    }
    node().dataset.points = String(count);
    fitAll();
  }

  function add(point) {
    if (!ensureMap()) {
      return;
    }
    const at = latLng(point);
    trackLine.addLatLng(at);
    here.setLatLng(at).addTo(map);
    count += 1;
    node().dataset.points = String(count);
    if (count === 1 && !reachLayer) {
      map.setView(at, 17);
    } else if (!map.getBounds().pad(-FOLLOW_PADDING).contains(at)) {
      map.panTo(at);
    }
  }

  self.PatrolTrackMap = { reset, add };
})();
