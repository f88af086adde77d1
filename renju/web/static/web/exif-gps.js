// Where a photo was taken, from the GPS tags of its JPEG EXIF (no library): a phone that cannot tell where it is
// now often wrote the place into the picture. window.RenjuExif.gpsOfFile(file) resolves to {lat, lng} or null.
(function () {
  "use strict";

  // Reads latitude/longitude from a JPEG's APP1 Exif segment. `buffer` is the start of the file (the Exif
  // segment is at most 64 KiB and comes before the image data). Returns {lat, lng} or null.
  function readExifGps(buffer) {
    var view = new DataView(buffer);
    var length = view.byteLength;
    if (length < 4 || view.getUint16(0) !== 0xFFD8) { return null; }
    var offset = 2;
    while (offset + 4 <= length) {
      var marker = view.getUint16(offset);
      if ((marker & 0xFF00) !== 0xFF00) { return null; }
      if (marker === 0xFFFF) { offset += 1; continue; }  // fill byte
      if (marker === 0xFFDA || marker === 0xFFD9) { return null; }  // image data starts: no metadata after it
      var size = view.getUint16(offset + 2);
      if (size < 2) { return null; }
      if (marker === 0xFFE1 && size >= 16 && offset + 10 <= length &&
          view.getUint32(offset + 4) === 0x45786966 && view.getUint16(offset + 8) === 0) {  // "Exif\0\0"
        var found = readTiffGps(view, offset + 10, Math.min(offset + 2 + size, length));
        if (found) { return found; }
      }
      offset += 2 + size;
    }
    return null;
  }

  function readTiffGps(view, tiff, end) {
    var order = view.getUint16(tiff);
    var little = order === 0x4949;
    if (!little && order !== 0x4D4D) { return null; }
    function u16(at) { return view.getUint16(at, little); }
    function u32(at) { return view.getUint32(at, little); }
    if (u16(tiff + 2) !== 42) { return null; }
    function entries(ifd, visit) {
      if (ifd + 2 > end) { return; }
      var count = u16(ifd);
      for (var i = 0; i < count; i++) {
        var entry = ifd + 2 + i * 12;
        if (entry + 12 > end) { return; }
        visit(u16(entry), u16(entry + 2), u32(entry + 4), entry + 8);
      }
    }
    var gpsIfd = null;
    entries(tiff + u32(tiff + 4), function (tag, type, count, valueAt) {
      if (tag === 0x8825) { gpsIfd = tiff + u32(valueAt); }
    });
    if (gpsIfd === null) { return null; }
    var refs = {}, values = {};
    entries(gpsIfd, function (tag, type, count, valueAt) {
      if ((tag === 1 || tag === 3) && type === 2) {  // N/S, E/W: ASCII, fits in the entry itself
        refs[tag] = String.fromCharCode(view.getUint8(valueAt));
      } else if ((tag === 2 || tag === 4) && type === 5 && count === 3) {  // three RATIONALs: d, m, s
        var at = tiff + u32(valueAt);
        if (at + 24 > end) { return; }
        var dms = [];
        for (var k = 0; k < 3; k++) {
          var num = u32(at + k * 8), den = u32(at + k * 8 + 4);
          dms.push(den ? num / den : 0);
        }
        values[tag] = dms[0] + dms[1] / 60 + dms[2] / 3600;
      }
    });
    if (values[2] === undefined || values[4] === undefined) { return null; }
    var lat = values[2] * (refs[1] === "S" ? -1 : 1);
    var lng = values[4] * (refs[3] === "W" ? -1 : 1);
    if (!isFinite(lat) || !isFinite(lng) || Math.abs(lat) > 90 || Math.abs(lng) > 180 || (lat === 0 && lng === 0)) {
      return null;
    }
    return { lat: lat, lng: lng };
  }

  function gpsOfFile(file) {
    if (!file || !file.slice) { return Promise.resolve(null); }
    return file.slice(0, 256 * 1024).arrayBuffer().then(readExifGps).catch(function () { return null; });
  }

  window.RenjuExif = { gpsOfFile: gpsOfFile, readGps: readExifGps };
})();
