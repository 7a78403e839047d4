// "使用我当前的位置": fills the latitude and longitude of the enclosing [data-locate] block from the browser's
// geolocation (WGS-84) and sets the coordinate system to WGS-84. Without geolocation the button stays hidden.
(function () {
  function setUp(block) {
    var button = block.querySelector("[data-locate-button]");
    var status = block.querySelector("[data-locate-status]");
    if (!button || !navigator.geolocation) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = "正在定位……";
      navigator.geolocation.getCurrentPosition(function (position) {
        block.querySelector("[name$=latitude]").value = position.coords.latitude.toFixed(6);
        block.querySelector("[name$=longitude]").value = position.coords.longitude.toFixed(6);
        var system = block.querySelector("[name$=coordinate_system]");
        if (system) system.value = "wgs84";
        status.textContent = "已定位（误差约 " + Math.round(position.coords.accuracy) + " 米）";
      }, function () {
        status.textContent = "无法定位：请允许浏览器使用位置，或直接填写地点";
      }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-locate]").forEach(setUp);
  });
})();
