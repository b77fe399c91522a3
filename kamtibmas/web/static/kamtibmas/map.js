/* The area safety map: draws each layer listed in the summary table (#map-summary,
   one row per layer with its GeoJSON address) with Leaflet, clustered with
   Leaflet.markercluster. Without tiles (none configured, or unreachable) the data
   stays on the plain background of the map's box. No inline script or style: the
   colours come from classes in map.css, popups are built as DOM nodes. */
(function () {
  "use strict";

  var box = document.getElementById("map");
  if (!box || !window.L) {
    return;
  }
  var L = window.L;
  // Indonesia, for a map with nothing on it yet.
  var HOME = L.latLngBounds([[-11.0, 95.0], [6.0, 141.0]]);
  var DETAIL_FIELDS = [
    "type", "status_label", "category_label", "item_label", "dialogue", "date",
    "venue", "area", "kind_label", "address", "phone", "opening_hours"
  ];

  function escaped(text) {
    var holder = document.createElement("span");
    holder.textContent = text;
    return holder.innerHTML;
  }

  // Clustering needs a maximum zoom, which a map without tiles does not get from them.
  var map = L.map(box, { zoomSnap: 0.5, minZoom: 3, maxZoom: 19, attributionControl: true });
  map.attributionControl.setPrefix(false);
  map.fitBounds(HOME);

  var tiles = box.getAttribute("data-tiles");
  if (tiles) {
    var tileLayer = L.tileLayer(tiles, {
      maxZoom: 19,
      // The setting is plain text; Leaflet would read it as HTML.
      attribution: escaped(box.getAttribute("data-attribution") || "")
    });
    tileLayer.on("tileerror", function () {
      box.classList.remove("map--tiles");
    });
    tileLayer.addTo(map);
  }

  var control = L.control.layers(null, null, { collapsed: true }).addTo(map);

  function popup(feature, layerCode) {
    var props = feature.properties || {};
    var root = document.createElement("div");
    root.className = "map-popup map-popup--" + layerCode;
    var heading = document.createElement("strong");
    heading.textContent = props.title || props.name || props.number || props.item_label || "";
    root.appendChild(heading);
    var list = document.createElement("ul");
    DETAIL_FIELDS.forEach(function (key) {
      var value = props[key];
      if (value === undefined || value === null || value === "" || value === heading.textContent) {
        return;
      }
      var item = document.createElement("li");
      item.textContent = String(value);
      list.appendChild(item);
    });
    root.appendChild(list);
    if (props.url) {
      var link = document.createElement("a");
      link.href = props.url;
      link.textContent = box.getAttribute("data-open-label") || props.url;
      root.appendChild(link);
    }
    return root;
  }

  function graduated(data) {
    return (data.features || []).some(function (feature) {
      return feature.properties && typeof feature.properties.index === "number";
    });
  }

  // Graduated symbols are not clustered: their size is what they say.
  function groupFor(code, data) {
    if (typeof L.markerClusterGroup === "function" && !graduated(data)) {
      return L.markerClusterGroup({
        showCoverageOnHover: false,
        chunkedLoading: true,
        maxClusterRadius: 50,
        iconCreateFunction: function (cluster) {
          var count = cluster.getChildCount();
          var size = count < 10 ? "small" : count < 100 ? "medium" : "large";
          return L.divIcon({
            html: "<div><span>" + count + "</span></div>",
            className: "marker-cluster marker-cluster-" + size + " map-cluster map-cluster--" + code,
            iconSize: L.point(40, 40)
          });
        }
      });
    }
    return L.layerGroup();
  }

  function draw(row, data) {
    var code = row.getAttribute("data-layer");
    var group = groupFor(code, data);
    var geo = L.geoJSON(data, {
      pointToLayer: function (feature, latlng) {
        // Graduated symbols for a layer whose features carry an index (0-100).
        var index = feature.properties && feature.properties.index;
        return L.circleMarker(latlng, {
          radius: typeof index === "number" ? 5 + index * 0.2 : 8,
          weight: 2,
          className: "map-marker map-marker--" + code
        });
      },
      // Lines and areas (a later layer's shapes); points keep their marker's class,
      // which a style here would replace.
      style: function (feature) {
        var point = feature && feature.geometry && feature.geometry.type === "Point";
        return point ? {} : { className: "map-shape map-shape--" + code };
      },
      onEachFeature: function (feature, layer) {
        layer.bindPopup(function () { return popup(feature, code); });
      }
    });
    group.addLayer(geo);
    group.addTo(map);
    if (graduated(data)) {
      // Under the records: a large symbol must not hide the markers it contains.
      geo.eachLayer(function (symbol) { symbol.bringToBack(); });
    }
    control.addOverlay(group, row.getAttribute("data-title") || code);
    row.setAttribute("data-drawn", String((data.features || []).length));
    return geo;
  }

  function load(row) {
    return fetch(row.getAttribute("data-url"), {
      credentials: "same-origin",
      headers: { Accept: "application/geo+json" }
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    }).then(function (data) {
      return draw(row, data);
    }, function () {
      row.setAttribute("data-drawn", "failed");
      return null;
    });
  }

  var rows = Array.prototype.slice.call(document.querySelectorAll("#map-summary [data-layer]"));
  Promise.all(rows.map(load)).then(function (drawn) {
    var bounds = L.latLngBounds([]);
    drawn.forEach(function (geo) {
      if (geo && geo.getLayers().length) {
        bounds.extend(geo.getBounds());
      }
    });
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 });
    }
    box.setAttribute("data-ready", "1");
  });
})();
