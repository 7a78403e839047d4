// The signature pad of the online application (电子授权书): draw with a finger or the mouse on the canvas; on
// submit the drawing goes into the hidden field as a PNG data URL. Without a drawing the field stays empty and
// the form is not sent (the server refuses an empty signature too, with the same message).
(function () {
  "use strict";
  function setup(canvas) {
    var input = document.getElementById(canvas.dataset.signatureInput);
    var clear = document.getElementById(canvas.dataset.signatureClear);
    var message = document.getElementById("signature-error");
    var form = canvas.closest("form");
    var ctx = canvas.getContext("2d");
    var drawing = false;
    var drawn = false;
    var last = null;
    ctx.lineWidth = 3;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#111";

    function point(event) {
      var box = canvas.getBoundingClientRect();
      return {x: (event.clientX - box.left) * canvas.width / box.width,
              y: (event.clientY - box.top) * canvas.height / box.height};
    }
    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      drawing = true;
      last = point(event);
      if (canvas.setPointerCapture) { canvas.setPointerCapture(event.pointerId); }
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) { return; }
      event.preventDefault();
      var p = point(event);
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      last = p;
      drawn = true;
      if (message) { message.hidden = true; }
    });
    function stop() { drawing = false; }
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    canvas.addEventListener("pointerleave", stop);
    if (clear) {
      clear.addEventListener("click", function () {
        ctx.clearRect(0, 0, canvas.width, canvas.height);
        drawn = false;
        input.value = "";
      });
    }
    if (form) {
      form.addEventListener("submit", function (event) {
        if (!drawn) {
          input.value = "";
          if (message) { message.hidden = false; message.textContent = "请在签名框内手写签名后再提交"; }
          event.preventDefault();
          canvas.scrollIntoView({block: "center"});
          return;
        }
        input.value = canvas.toDataURL("image/png");
      });
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var pads = document.querySelectorAll("canvas[data-signature-input]");
    for (var i = 0; i < pads.length; i++) { setup(pads[i]); }
  });
})();
